//! Type checking and compilation of a parsed expression into nested closures.
//!
//! Each node becomes a closure of its static kind (numbers, dates and booleans return small `Copy`
//! values); strings and lists are small enums so that a fact is read in place, without a copy. Logic
//! is three-valued: an absent fact makes a comparison unknown (`None`), `&&`/`||` follow Kleene's
//! tables, and an unknown condition does not fire.

use super::EvalContext;
use super::parse::{BinOp, Node, NodeKind, Span};
use crate::error::{ExprError, Position};
use crate::facts::{FactSchema, Kind, Value};
use chrono::{Datelike, NaiveDate};
use std::borrow::Cow;

pub(crate) type NumFn = Box<dyn Fn(&EvalContext) -> Option<f64> + Send + Sync>;
pub(crate) type BoolFn = Box<dyn Fn(&EvalContext) -> Option<bool> + Send + Sync>;
pub(crate) type DateFn = Box<dyn Fn(&EvalContext) -> Option<NaiveDate> + Send + Sync>;
type DynStrFn = Box<dyn Fn(&EvalContext) -> Option<String> + Send + Sync>;

/// A string-valued node.
pub(crate) enum Str {
    Lit(String),
    Fact(usize),
    EventKind,
    EventDetail,
    Dyn(DynStrFn),
}

impl Str {
    fn get<'x>(&'x self, c: &EvalContext<'x>) -> Option<Cow<'x, str>> {
        match self {
            Str::Lit(s) => Some(Cow::Borrowed(s)),
            Str::Fact(slot) => match c.facts.slot(*slot) {
                Value::String(s) => Some(Cow::Borrowed(s)),
                _ => None,
            },
            Str::EventKind => c.event.map(|e| Cow::Borrowed(e.kind.as_str())),
            Str::EventDetail => c.event.and_then(|e| e.detail.as_deref()).map(Cow::Borrowed),
            Str::Dyn(f) => f(c).map(Cow::Owned),
        }
    }
}

/// A list-valued node.
pub(crate) enum List {
    Lit(Vec<Value>),
    Fact(usize),
}

impl List {
    fn get<'x>(&'x self, c: &EvalContext<'x>) -> Option<&'x [Value]> {
        match self {
            List::Lit(items) => Some(items),
            List::Fact(slot) => match c.facts.slot(*slot) {
                Value::List(items) => Some(items),
                _ => None,
            },
        }
    }
}

pub(crate) enum Typed {
    Num(NumFn),
    Bool(BoolFn),
    Date(DateFn),
    Str(Str),
    List(List),
}

impl Typed {
    pub fn kind(&self) -> Kind {
        match self {
            Typed::Num(_) => Kind::Number,
            Typed::Bool(_) => Kind::Bool,
            Typed::Date(_) => Kind::Date,
            Typed::Str(_) => Kind::String,
            Typed::List(_) => Kind::List,
        }
    }
}

pub(crate) struct Compiler<'a> {
    pub src: &'a str,
    pub schema: &'a FactSchema,
}

impl Compiler<'_> {
    fn error(&self, span: Span, message: String) -> ExprError {
        ExprError {
            position: Position::at(self.src, span.start),
            message,
        }
    }

    fn text(&self, span: Span) -> &str {
        &self.src[span.start..span.end]
    }

    /// Compiles a node that must have `kind`.
    pub fn expect(&self, node: &Node, kind: Kind) -> Result<Typed, ExprError> {
        let typed = self.compile(node)?;
        if typed.kind() != kind {
            return Err(self.error(
                node.span,
                format!(
                    "expected a {kind}, but `{}` is a {}",
                    self.text(node.span),
                    typed.kind()
                ),
            ));
        }
        Ok(typed)
    }

    pub fn num(&self, node: &Node) -> Result<NumFn, ExprError> {
        match self.expect(node, Kind::Number)? {
            Typed::Num(f) => Ok(f),
            _ => unreachable!("kind checked"),
        }
    }

    pub fn bool(&self, node: &Node) -> Result<BoolFn, ExprError> {
        match self.expect(node, Kind::Bool)? {
            Typed::Bool(f) => Ok(f),
            _ => unreachable!("kind checked"),
        }
    }

    fn date(&self, node: &Node) -> Result<DateFn, ExprError> {
        match self.expect(node, Kind::Date)? {
            Typed::Date(f) => Ok(f),
            _ => unreachable!("kind checked"),
        }
    }

    fn str(&self, node: &Node) -> Result<Str, ExprError> {
        match self.expect(node, Kind::String)? {
            Typed::Str(s) => Ok(s),
            _ => unreachable!("kind checked"),
        }
    }

    pub fn compile(&self, node: &Node) -> Result<Typed, ExprError> {
        Ok(match &node.kind {
            NodeKind::Number(x) => {
                let x = *x;
                Typed::Num(Box::new(move |_| Some(x)))
            }
            NodeKind::Str(s) => Typed::Str(Str::Lit(s.clone())),
            NodeKind::Bool(b) => {
                let b = *b;
                Typed::Bool(Box::new(move |_| Some(b)))
            }
            NodeKind::Name(name) => self.name(name, node.span)?,
            NodeKind::List(items) => Typed::List(List::Lit(self.literal_list(items)?)),
            NodeKind::Not(inner) => {
                let f = self.bool(inner)?;
                Typed::Bool(Box::new(move |c| f(c).map(|b| !b)))
            }
            NodeKind::Neg(inner) => {
                let f = self.num(inner)?;
                Typed::Num(Box::new(move |c| f(c).map(|x| -x)))
            }
            NodeKind::Binary(op, l, r) => self.binary(*op, l, r, node.span)?,
            NodeKind::Cond(cond, then, otherwise) => self.cond(cond, then, otherwise)?,
            NodeKind::Call(name, args) => self.call(name, args, node.span)?,
        })
    }

    fn name(&self, name: &str, span: Span) -> Result<Typed, ExprError> {
        Ok(match name {
            "today" => Typed::Date(Box::new(|c| Some(c.today))),
            "event.kind" => Typed::Str(Str::EventKind),
            "event.detail" => Typed::Str(Str::EventDetail),
            "event.date" => Typed::Date(Box::new(|c| c.event.map(|e| e.date))),
            "event.value" => Typed::Num(Box::new(|c| c.event.and_then(|e| e.value))),
            _ => {
                let Some((slot, kind)) = self.schema.lookup(name) else {
                    let hint = match self.schema.closest(name) {
                        Some(close) => format!(" (did you mean `{close}`?)"),
                        None if name.starts_with("event.") => {
                            " (events have kind, date, value and detail)".to_string()
                        }
                        None => String::new(),
                    };
                    return Err(self.error(span, format!("unknown fact `{name}`{hint}")));
                };
                match kind {
                    Kind::Number => Typed::Num(Box::new(move |c| match c.facts.slot(slot) {
                        Value::Number(x) => Some(*x),
                        _ => None,
                    })),
                    Kind::Bool => Typed::Bool(Box::new(move |c| match c.facts.slot(slot) {
                        Value::Bool(b) => Some(*b),
                        _ => None,
                    })),
                    Kind::Date => Typed::Date(Box::new(move |c| match c.facts.slot(slot) {
                        Value::Date(d) => Some(*d),
                        _ => None,
                    })),
                    Kind::String => Typed::Str(Str::Fact(slot)),
                    Kind::List => Typed::List(List::Fact(slot)),
                }
            }
        })
    }

    /// A list written in the expression: literals only, all of one kind.
    fn literal_list(&self, items: &[Node]) -> Result<Vec<Value>, ExprError> {
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            let value = match &item.kind {
                NodeKind::Number(x) => Value::Number(*x),
                NodeKind::Str(s) => Value::String(s.clone()),
                NodeKind::Bool(b) => Value::Bool(*b),
                NodeKind::Call(name, args) if name == "date" => {
                    Value::Date(self.date_literal(args, item.span)?)
                }
                _ => {
                    return Err(self.error(
                        item.span,
                        "list items must be literal numbers, strings, booleans or dates".into(),
                    ));
                }
            };
            if let Some(first) = values.first().and_then(Value::kind)
                && value.kind() != Some(first)
            {
                return Err(self.error(
                    item.span,
                    format!("list items must all be of one kind: this list holds {first}s"),
                ));
            }
            values.push(value);
        }
        Ok(values)
    }

    fn date_literal(&self, args: &[Node], span: Span) -> Result<NaiveDate, ExprError> {
        match args {
            [
                Node {
                    kind: NodeKind::Str(s),
                    span,
                },
            ] => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| self.error(*span, format!("`{s}` is not a date written YYYY-MM-DD"))),
            _ => Err(self.error(
                span,
                "date() takes one string literal, \"YYYY-MM-DD\"".into(),
            )),
        }
    }

    fn cond(&self, cond: &Node, then: &Node, otherwise: &Node) -> Result<Typed, ExprError> {
        let c = self.bool(cond)?;
        let a = self.compile(then)?;
        let b = self.expect(otherwise, a.kind())?;
        Ok(match (a, b) {
            (Typed::Num(a), Typed::Num(b)) => Typed::Num(Box::new(move |x| {
                c(x).and_then(|t| if t { a(x) } else { b(x) })
            })),
            (Typed::Bool(a), Typed::Bool(b)) => Typed::Bool(Box::new(move |x| {
                c(x).and_then(|t| if t { a(x) } else { b(x) })
            })),
            (Typed::Date(a), Typed::Date(b)) => Typed::Date(Box::new(move |x| {
                c(x).and_then(|t| if t { a(x) } else { b(x) })
            })),
            (Typed::Str(a), Typed::Str(b)) => Typed::Str(Str::Dyn(Box::new(move |x| {
                c(x).and_then(|t| if t { a.get(x) } else { b.get(x) })
                    .map(Cow::into_owned)
            }))),
            _ => {
                return Err(self.error(then.span, "lists cannot be chosen with `? :`".into()));
            }
        })
    }

    fn binary(&self, op: BinOp, l: &Node, r: &Node, span: Span) -> Result<Typed, ExprError> {
        match op {
            BinOp::And => {
                let (a, b) = (self.bool(l)?, self.bool(r)?);
                Ok(Typed::Bool(Box::new(move |c| match a(c) {
                    Some(false) => Some(false),
                    x => match (x, b(c)) {
                        (_, Some(false)) => Some(false),
                        (Some(true), Some(true)) => Some(true),
                        _ => None,
                    },
                })))
            }
            BinOp::Or => {
                let (a, b) = (self.bool(l)?, self.bool(r)?);
                Ok(Typed::Bool(Box::new(move |c| match a(c) {
                    Some(true) => Some(true),
                    x => match (x, b(c)) {
                        (_, Some(true)) => Some(true),
                        (Some(false), Some(false)) => Some(false),
                        _ => None,
                    },
                })))
            }
            BinOp::In => self.membership(l, r),
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                self.comparison(op, l, r)
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => {
                self.arithmetic(op, l, r, span)
            }
        }
    }

    fn comparison(&self, op: BinOp, l: &Node, r: &Node) -> Result<Typed, ExprError> {
        let a = self.compile(l)?;
        let b = self.compile(r)?;
        if a.kind() != b.kind() {
            return Err(self.error(
                r.span,
                format!(
                    "cannot compare a {} with a {} (`{}` {} `{}`)",
                    a.kind(),
                    b.kind(),
                    self.text(l.span),
                    op.symbol(),
                    self.text(r.span)
                ),
            ));
        }
        let ordered = !matches!(op, BinOp::Eq | BinOp::Ne);
        if (ordered && a.kind() == Kind::Bool) || a.kind() == Kind::List {
            return Err(self.error(
                l.span,
                format!("`{}` does not apply to {}s", op.symbol(), a.kind()),
            ));
        }
        fn test<T: PartialOrd>(op: BinOp, x: T, y: T) -> bool {
            match op {
                BinOp::Eq => x == y,
                BinOp::Ne => x != y,
                BinOp::Lt => x < y,
                BinOp::Le => x <= y,
                BinOp::Gt => x > y,
                _ => x >= y,
            }
        }
        Ok(Typed::Bool(match (a, b) {
            (Typed::Num(a), Typed::Num(b)) => {
                // The common `fact OP constant` shape, specialised.
                Box::new(move |c| Some(test(op, a(c)?, b(c)?)))
            }
            (Typed::Date(a), Typed::Date(b)) => Box::new(move |c| Some(test(op, a(c)?, b(c)?))),
            (Typed::Bool(a), Typed::Bool(b)) => Box::new(move |c| Some(test(op, a(c)?, b(c)?))),
            (Typed::Str(Str::Fact(slot)), Typed::Str(Str::Lit(lit)))
            | (Typed::Str(Str::Lit(lit)), Typed::Str(Str::Fact(slot))) => {
                let flipped = matches!(l.kind, NodeKind::Str(_));
                Box::new(move |c| match c.facts.slot(slot) {
                    Value::String(s) if flipped => Some(test(op, lit.as_str(), s.as_str())),
                    Value::String(s) => Some(test(op, s.as_str(), lit.as_str())),
                    _ => None,
                })
            }
            (Typed::Str(a), Typed::Str(b)) => {
                Box::new(move |c| Some(test(op, a.get(c)?, b.get(c)?)))
            }
            _ => unreachable!("kinds checked above"),
        }))
    }

    fn membership(&self, l: &Node, r: &Node) -> Result<Typed, ExprError> {
        let item = self.compile(l)?;
        let list = match self.expect(r, Kind::List)? {
            Typed::List(list) => list,
            _ => unreachable!("kind checked"),
        };
        if let List::Lit(values) = &list
            && let Some(k) = values.first().and_then(Value::kind)
            && k != item.kind()
        {
            return Err(self.error(
                l.span,
                format!(
                    "`{}` is a {} but the list holds {k}s",
                    self.text(l.span),
                    item.kind()
                ),
            ));
        }
        Ok(Typed::Bool(match item {
            Typed::Num(f) => Box::new(move |c| {
                let x = f(c)?;
                Some(
                    list.get(c)?
                        .iter()
                        .any(|v| matches!(v, Value::Number(y) if *y == x)),
                )
            }),
            Typed::Date(f) => Box::new(move |c| {
                let x = f(c)?;
                Some(
                    list.get(c)?
                        .iter()
                        .any(|v| matches!(v, Value::Date(y) if *y == x)),
                )
            }),
            Typed::Bool(f) => Box::new(move |c| {
                let x = f(c)?;
                Some(
                    list.get(c)?
                        .iter()
                        .any(|v| matches!(v, Value::Bool(y) if *y == x)),
                )
            }),
            Typed::Str(s) => Box::new(move |c| {
                let x = s.get(c)?;
                Some(
                    list.get(c)?
                        .iter()
                        .any(|v| matches!(v, Value::String(y) if **y == *x)),
                )
            }),
            Typed::List(_) => {
                return Err(self.error(l.span, "a list cannot be looked for in a list".into()));
            }
        }))
    }

    fn arithmetic(&self, op: BinOp, l: &Node, r: &Node, span: Span) -> Result<Typed, ExprError> {
        let a = self.compile(l)?;
        let b = self.compile(r)?;
        let mismatch = |a: Kind, b: Kind| {
            self.error(
                span,
                format!("`{}` does not apply to a {a} and a {b}", op.symbol()),
            )
        };
        Ok(match (a, b) {
            (Typed::Num(a), Typed::Num(b)) => Typed::Num(match op {
                BinOp::Add => Box::new(move |c| Some(a(c)? + b(c)?)),
                BinOp::Sub => Box::new(move |c| Some(a(c)? - b(c)?)),
                BinOp::Mul => Box::new(move |c| Some(a(c)? * b(c)?)),
                // Division by zero has no value: the comparison it feeds is unknown.
                BinOp::Div => Box::new(move |c| {
                    let (x, y) = (a(c)?, b(c)?);
                    (y != 0.0).then(|| x / y)
                }),
                _ => Box::new(move |c| {
                    let (x, y) = (a(c)?, b(c)?);
                    (y != 0.0).then(|| x % y)
                }),
            }),
            (Typed::Date(a), Typed::Num(b)) if matches!(op, BinOp::Add | BinOp::Sub) => {
                let sign = if op == BinOp::Add { 1.0 } else { -1.0 };
                Typed::Date(Box::new(move |c| add_days(a(c)?, sign * b(c)?)))
            }
            (Typed::Num(a), Typed::Date(b)) if op == BinOp::Add => {
                Typed::Date(Box::new(move |c| add_days(b(c)?, a(c)?)))
            }
            (Typed::Date(a), Typed::Date(b)) if op == BinOp::Sub => {
                Typed::Num(Box::new(move |c| Some((a(c)? - b(c)?).num_days() as f64)))
            }
            (Typed::Str(a), Typed::Str(b)) if op == BinOp::Add => {
                Typed::Str(Str::Dyn(Box::new(move |c| {
                    Some(format!("{}{}", a.get(c)?, b.get(c)?))
                })))
            }
            (a, b) => return Err(mismatch(a.kind(), b.kind())),
        })
    }

    fn arity(&self, name: &str, args: &[Node], n: usize, span: Span) -> Result<(), ExprError> {
        if args.len() == n {
            Ok(())
        } else {
            Err(self.error(
                span,
                format!(
                    "{name}() takes {n} argument{}, found {}",
                    if n == 1 { "" } else { "s" },
                    args.len()
                ),
            ))
        }
    }

    fn call(&self, name: &str, args: &[Node], span: Span) -> Result<Typed, ExprError> {
        let arity = |n| self.arity(name, args, n, span);
        Ok(match name {
            "has" => {
                arity(1)?;
                let NodeKind::Name(fact) = &args[0].kind else {
                    return Err(self.error(args[0].span, "has() takes a fact name".into()));
                };
                match self.name(fact, args[0].span)? {
                    Typed::Num(f) => Typed::Bool(Box::new(move |c| Some(f(c).is_some()))),
                    Typed::Bool(f) => Typed::Bool(Box::new(move |c| Some(f(c).is_some()))),
                    Typed::Date(f) => Typed::Bool(Box::new(move |c| Some(f(c).is_some()))),
                    Typed::Str(s) => Typed::Bool(Box::new(move |c| Some(s.get(c).is_some()))),
                    Typed::List(l) => Typed::Bool(Box::new(move |c| Some(l.get(c).is_some()))),
                }
            }
            "size" => {
                arity(1)?;
                match self.compile(&args[0])? {
                    Typed::Str(s) => {
                        Typed::Num(Box::new(move |c| Some(s.get(c)?.chars().count() as f64)))
                    }
                    Typed::List(l) => Typed::Num(Box::new(move |c| Some(l.get(c)?.len() as f64))),
                    other => {
                        return Err(self.error(
                            args[0].span,
                            format!("size() takes a string or a list, not a {}", other.kind()),
                        ));
                    }
                }
            }
            "date" => {
                let d = self.date_literal(args, span)?;
                Typed::Date(Box::new(move |_| Some(d)))
            }
            "days_between" => {
                arity(2)?;
                let (a, b) = (self.date(&args[0])?, self.date(&args[1])?);
                Typed::Num(Box::new(move |c| Some((b(c)? - a(c)?).num_days() as f64)))
            }
            "days_since" => {
                arity(1)?;
                let d = self.date(&args[0])?;
                Typed::Num(Box::new(move |c| Some((c.today - d(c)?).num_days() as f64)))
            }
            "days_until" => {
                arity(1)?;
                let d = self.date(&args[0])?;
                Typed::Num(Box::new(move |c| Some((d(c)? - c.today).num_days() as f64)))
            }
            "age" => {
                arity(1)?;
                let d = self.date(&args[0])?;
                Typed::Num(Box::new(move |c| c.today.years_since(d(c)?).map(f64::from)))
            }
            "year" | "month" | "day" | "weekday" => {
                arity(1)?;
                let d = self.date(&args[0])?;
                let part: fn(NaiveDate) -> u32 = match name {
                    "year" => |d| d.year().max(0) as u32,
                    "month" => |d| d.month(),
                    "day" => |d| d.day(),
                    _ => |d| d.weekday().number_from_monday(),
                };
                Typed::Num(Box::new(move |c| Some(f64::from(part(d(c)?)))))
            }
            "lower" | "upper" => {
                arity(1)?;
                let s = self.str(&args[0])?;
                let upper = name == "upper";
                Typed::Str(Str::Dyn(Box::new(move |c| {
                    let s = s.get(c)?;
                    Some(if upper {
                        s.to_uppercase()
                    } else {
                        s.to_lowercase()
                    })
                })))
            }
            "starts_with" | "ends_with" => {
                arity(2)?;
                let (s, p) = (self.str(&args[0])?, self.str(&args[1])?);
                let ends = name == "ends_with";
                Typed::Bool(Box::new(move |c| {
                    let (s, p) = (s.get(c)?, p.get(c)?);
                    Some(if ends {
                        s.ends_with(&*p)
                    } else {
                        s.starts_with(&*p)
                    })
                }))
            }
            "contains" => {
                arity(2)?;
                match self.compile(&args[0])? {
                    Typed::Str(s) => {
                        let p = self.str(&args[1])?;
                        Typed::Bool(Box::new(move |c| Some(s.get(c)?.contains(&*p.get(c)?))))
                    }
                    Typed::List(_) => return self.membership(&args[1], &args[0]),
                    other => {
                        return Err(self.error(
                            args[0].span,
                            format!(
                                "contains() takes a string or a list, not a {}",
                                other.kind()
                            ),
                        ));
                    }
                }
            }
            "min" | "max" => {
                arity(2)?;
                let (a, b) = (self.num(&args[0])?, self.num(&args[1])?);
                if name == "min" {
                    Typed::Num(Box::new(move |c| Some(a(c)?.min(b(c)?))))
                } else {
                    Typed::Num(Box::new(move |c| Some(a(c)?.max(b(c)?))))
                }
            }
            "abs" | "round" | "floor" | "ceil" => {
                arity(1)?;
                let a = self.num(&args[0])?;
                let f: fn(f64) -> f64 = match name {
                    "abs" => f64::abs,
                    "round" => f64::round,
                    "floor" => f64::floor,
                    _ => f64::ceil,
                };
                Typed::Num(Box::new(move |c| Some(f(a(c)?))))
            }
            _ => {
                return Err(self.error(
                    span,
                    format!(
                        "unknown function `{name}` (functions: {})",
                        super::FUNCTIONS.join(", ")
                    ),
                ));
            }
        })
    }
}

fn add_days(d: NaiveDate, days: f64) -> Option<NaiveDate> {
    if !days.is_finite() || days.abs() > 1e6 {
        return None;
    }
    d.checked_add_signed(chrono::TimeDelta::days(days.trunc() as i64))
}
