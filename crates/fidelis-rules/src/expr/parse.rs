//! Lexer and recursive-descent parser of the condition language (a subset of CEL's syntax).

use crate::error::{ExprError, Position};

/// Byte range of a node in the expression's text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    Number(f64),
    Str(String),
    /// A dotted name: `score.churn_risk`.
    Name(String),
    True,
    False,
    In,
    Punct(&'static str),
    End,
}

const PUNCTS: &[&str] = &[
    "&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "%", "(", ")", "[", "]",
    ",", "?", ":",
];

pub(crate) fn lex(src: &str) -> Result<Vec<(Token, Span)>, ExprError> {
    let bytes = src.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let err = |at: usize, message: String| ExprError {
        position: Position::at(src, at),
        message,
    };
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'#' || (c == b'/' && bytes.get(i + 1) == Some(&b'/')) {
            // A comment runs to the end of the line.
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        let token = if c.is_ascii_digit()
            || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            while i < bytes.len()
                && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b'_')
            {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                i += 1;
                if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
                    i += 1;
                }
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let text = src[start..i].replace('_', "");
            Token::Number(
                text.parse()
                    .map_err(|_| err(start, format!("`{}` is not a number", &src[start..i])))?,
            )
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.')
            {
                i += 1;
            }
            let name = &src[start..i];
            if name.ends_with('.') || name.contains("..") {
                return Err(err(start, format!("`{name}` is not a valid name")));
            }
            match name {
                "true" => Token::True,
                "false" => Token::False,
                "in" => Token::In,
                _ => Token::Name(name.to_string()),
            }
        } else if c == b'"' || c == b'\'' {
            i += 1;
            let mut text = String::new();
            loop {
                let Some(ch) = src[i..].chars().next() else {
                    return Err(err(start, "unterminated string".into()));
                };
                i += ch.len_utf8();
                match ch {
                    '\n' => return Err(err(start, "unterminated string".into())),
                    '\\' => {
                        let Some(escaped) = src[i..].chars().next() else {
                            return Err(err(start, "unterminated string".into()));
                        };
                        text.push(match escaped {
                            'n' => '\n',
                            't' => '\t',
                            '\\' | '"' | '\'' => escaped,
                            other => {
                                return Err(err(i - 1, format!("unknown escape `\\{other}`")));
                            }
                        });
                        i += escaped.len_utf8();
                    }
                    ch if ch as u32 == u32::from(c) => break,
                    ch => text.push(ch),
                }
            }
            Token::Str(text)
        } else if let Some(p) = PUNCTS.iter().find(|p| src[i..].starts_with(**p)) {
            i += p.len();
            Token::Punct(p)
        } else {
            let ch = src[i..].chars().next().unwrap_or('?');
            let hint = match ch {
                '=' => " (use `==` to compare)",
                '&' => " (use `&&`)",
                '|' => " (use `||`)",
                _ => "",
            };
            return Err(err(i, format!("unexpected character `{ch}`{hint}")));
        };
        tokens.push((token, Span { start, end: i }));
    }
    tokens.push((
        Token::End,
        Span {
            start: src.len(),
            end: src.len(),
        },
    ));
    Ok(tokens)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeKind {
    Number(f64),
    Str(String),
    Bool(bool),
    Name(String),
    List(Vec<Node>),
    Not(Box<Node>),
    Neg(Box<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    Cond(Box<Node>, Box<Node>, Box<Node>),
    Call(String, Vec<Node>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

/// Parses a whole expression.
pub(crate) fn parse(src: &str) -> Result<Node, ExprError> {
    let tokens = lex(src)?;
    let mut parser = Parser {
        src,
        tokens,
        at: 0,
        depth: 0,
        chain: 0,
    };
    let node = parser.expr()?;
    match parser.peek() {
        Token::End => Ok(node),
        _ => Err(parser.unexpected("an operator or the end of the expression")),
    }
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<(Token, Span)>,
    at: usize,
    /// Nesting of parentheses, `? :` and prefix operators: bounds the parser's recursion.
    depth: usize,
    /// Binary operators above the cursor: with `depth`, bounds the depth of the tree that compiling
    /// and evaluating recurse through.
    chain: usize,
}

/// Deeper nesting than this is refused rather than risking the stack on hostile input.
const MAX_DEPTH: usize = 64;
/// The deepest expression tree accepted (a chain of 256 `&&` is deep, not nested).
const MAX_TREE: usize = 256;

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.tokens[self.at].0
    }

    fn span(&self) -> Span {
        self.tokens[self.at].1
    }

    fn bump(&mut self) -> (Token, Span) {
        let t = self.tokens[self.at].clone();
        if self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
        t
    }

    fn eat(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Token::Punct(q) if *q == p) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn error(&self, at: usize, message: String) -> ExprError {
        ExprError {
            position: Position::at(self.src, at),
            message,
        }
    }

    fn unexpected(&self, expected: &str) -> ExprError {
        let span = self.span();
        let found = match self.peek() {
            Token::End => "the end of the expression".to_string(),
            _ => format!("`{}`", &self.src[span.start..span.end]),
        };
        self.error(span.start, format!("expected {expected}, found {found}"))
    }

    fn expect(&mut self, p: &str) -> Result<Span, ExprError> {
        let span = self.span();
        if self.eat(p) {
            Ok(span)
        } else {
            Err(self.unexpected(&format!("`{p}`")))
        }
    }

    fn node(kind: NodeKind, start: usize, end: usize) -> Node {
        Node {
            kind,
            span: Span { start, end },
        }
    }

    fn expr(&mut self) -> Result<Node, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(self.span().start, "expression nested too deeply".into()));
        }
        let cond = self.binary(0)?;
        let node = if self.eat("?") {
            let then = self.expr()?;
            self.expect(":")?;
            let otherwise = self.expr()?;
            let (start, end) = (cond.span.start, otherwise.span.end);
            Self::node(
                NodeKind::Cond(Box::new(cond), Box::new(then), Box::new(otherwise)),
                start,
                end,
            )
        } else {
            cond
        };
        self.depth -= 1;
        Ok(node)
    }

    /// The binary operator at the cursor and its precedence level (0 = loosest).
    fn operator(&self) -> Option<(BinOp, usize)> {
        Some(match self.peek() {
            Token::In => (BinOp::In, 2),
            Token::Punct(p) => match *p {
                "||" => (BinOp::Or, 0),
                "&&" => (BinOp::And, 1),
                "==" => (BinOp::Eq, 2),
                "!=" => (BinOp::Ne, 2),
                "<" => (BinOp::Lt, 2),
                "<=" => (BinOp::Le, 2),
                ">" => (BinOp::Gt, 2),
                ">=" => (BinOp::Ge, 2),
                "+" => (BinOp::Add, 3),
                "-" => (BinOp::Sub, 3),
                "*" => (BinOp::Mul, 4),
                "/" => (BinOp::Div, 4),
                "%" => (BinOp::Rem, 4),
                _ => return None,
            },
            _ => return None,
        })
    }

    fn binary(&mut self, level: usize) -> Result<Node, ExprError> {
        if level > 4 {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        let mut ops = 0;
        while let Some((op, l)) = self.operator().filter(|&(_, l)| l == level) {
            ops += 1;
            self.chain += 1;
            if self.depth + self.chain > MAX_TREE {
                return Err(self.error(self.span().start, "expression nested too deeply".into()));
            }
            self.bump();
            let right = self.binary(level + 1)?;
            let (start, end) = (left.span.start, right.span.end);
            left = Self::node(
                NodeKind::Binary(op, Box::new(left), Box::new(right)),
                start,
                end,
            );
            // Relations do not chain: `a < b < c` is an error, as in CEL.
            if l == 2 && self.operator().is_some_and(|(_, l)| l == 2) {
                return Err(self.unexpected("`&&` or `||` between comparisons"));
            }
        }
        self.chain -= ops;
        Ok(left)
    }

    fn unary(&mut self) -> Result<Node, ExprError> {
        let span = self.span();
        if self.eat("!") {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(self.error(span.start, "expression nested too deeply".into()));
            }
            let inner = self.unary()?;
            self.depth -= 1;
            let end = inner.span.end;
            return Ok(Self::node(NodeKind::Not(Box::new(inner)), span.start, end));
        }
        if self.eat("-") {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(self.error(span.start, "expression nested too deeply".into()));
            }
            let inner = self.unary()?;
            self.depth -= 1;
            let end = inner.span.end;
            if let NodeKind::Number(x) = inner.kind {
                return Ok(Self::node(NodeKind::Number(-x), span.start, end));
            }
            return Ok(Self::node(NodeKind::Neg(Box::new(inner)), span.start, end));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, ExprError> {
        let span = self.span();
        let token = self.peek().clone();
        if !matches!(
            token,
            Token::Number(_)
                | Token::Str(_)
                | Token::True
                | Token::False
                | Token::Name(_)
                | Token::Punct("(" | "[")
        ) {
            return Err(self.unexpected("a value, a name or `(`"));
        }
        self.bump();
        Ok(match token {
            Token::Number(x) => Self::node(NodeKind::Number(x), span.start, span.end),
            Token::Str(s) => Self::node(NodeKind::Str(s), span.start, span.end),
            Token::True => Self::node(NodeKind::Bool(true), span.start, span.end),
            Token::False => Self::node(NodeKind::Bool(false), span.start, span.end),
            Token::Name(name) => {
                if self.eat("(") {
                    let args = self.list_items(")")?;
                    let end = self.expect(")")?.end;
                    Self::node(NodeKind::Call(name, args), span.start, end)
                } else {
                    Self::node(NodeKind::Name(name), span.start, span.end)
                }
            }
            Token::Punct("(") => {
                let inner = self.expr()?;
                self.expect(")")?;
                inner
            }
            _ => {
                let items = self.list_items("]")?;
                let end = self.expect("]")?.end;
                Self::node(NodeKind::List(items), span.start, end)
            }
        })
    }

    /// Comma-separated expressions up to (not including) `close`; a trailing comma is allowed.
    fn list_items(&mut self, close: &str) -> Result<Vec<Node>, ExprError> {
        let mut items = Vec::new();
        while !matches!(self.peek(), Token::Punct(p) if *p == close) {
            items.push(self.expr()?);
            if !self.eat(",") {
                break;
            }
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_at(src: &str) -> (usize, usize, String) {
        let e = parse(src).unwrap_err();
        (e.position.line, e.position.column, e.message)
    }

    #[test]
    fn syntax_errors_point_at_line_and_column() {
        let cases: &[(&str, usize, usize, &str)] = &[
            (
                "a > ",
                1,
                5,
                "expected a value, a name or `(`, found the end of the expression",
            ),
            (
                "a = 1",
                1,
                3,
                "unexpected character `=` (use `==` to compare)",
            ),
            (
                "a > 1 &&\n  b <",
                2,
                6,
                "expected a value, a name or `(`, found the end of the expression",
            ),
            (
                "(a > 1",
                1,
                7,
                "expected `)`, found the end of the expression",
            ),
            (
                "a > 1 b",
                1,
                7,
                "expected an operator or the end of the expression, found `b`",
            ),
            ("'abc", 1, 1, "unterminated string"),
            (
                "1 < a < 3",
                1,
                7,
                "expected `&&` or `||` between comparisons, found `<`",
            ),
            (
                "x ) ",
                1,
                3,
                "expected an operator or the end of the expression, found `)`",
            ),
            ("a.", 1, 1, "`a.` is not a valid name"),
        ];
        for &(src, line, column, message) in cases {
            assert_eq!(error_at(src), (line, column, message.to_string()), "{src}");
        }
    }

    #[test]
    fn precedence_follows_cel() {
        let node = parse("a || b && c == 1 + 2 * 3").unwrap();
        let NodeKind::Binary(BinOp::Or, _, right) = node.kind else {
            panic!("or at the top: {node:?}")
        };
        let NodeKind::Binary(BinOp::And, _, cmp) = right.kind else {
            panic!("and under or")
        };
        let NodeKind::Binary(BinOp::Eq, _, sum) = cmp.kind else {
            panic!("== under and")
        };
        assert!(matches!(sum.kind, NodeKind::Binary(BinOp::Add, _, _)));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
        assert_eq!(error_at(&src).2, "expression nested too deeply");
        let src = format!("{}true", "!".repeat(5000));
        assert_eq!(error_at(&src).2, "expression nested too deeply");
        let src = vec!["a > 1"; 5000].join(" && ");
        assert_eq!(error_at(&src).2, "expression nested too deeply");
        assert!(parse(&vec!["a > 1"; 100].join(" && ")).is_ok());
    }
}
