//! The crate's error type and source positions (line and column) for everything read from text.

use std::fmt;

/// A place in a source text: 1-based line and column (columns count characters, not bytes).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `text` (clamped to the text's end and to a character boundary).
    pub fn at(text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Position { line, column }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// An error in a condition expression, at a position of the expression's own text (or of the file it
/// was read from, once [`ExprError::shifted`] has placed it).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{position}: {message}")]
pub struct ExprError {
    pub position: Position,
    pub message: String,
}

impl ExprError {
    /// The same error placed in a file where the expression's first character is at `start`.
    pub fn shifted(mut self, start: Position) -> ExprError {
        if self.position.line == 1 {
            self.position.column += start.column - 1;
        }
        self.position.line += start.line - 1;
        self
    }
}

/// Everything that can go wrong in this crate. Each variant names the file (when there is one), the
/// position and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The text is not valid TOML, or a field has the wrong shape.
    #[error("{file}: {position}: {message}")]
    Syntax {
        file: String,
        position: Position,
        message: String,
    },
    /// A condition or value expression inside a file does not compile.
    #[error("{file}: {position}: in {context}: {message}")]
    Expression {
        file: String,
        position: Position,
        context: String,
        message: String,
    },
    /// The file parses but a value breaks a rule of the format (duplicate id, missing field for an
    /// action kind, an empty fallback list, ...).
    #[error("{file}: {position}: {message}")]
    Invalid {
        file: String,
        position: Position,
        message: String,
    },
    /// Several problems, each with its own position, in file order.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Several(Vec<RulesError>),
    /// A fact was set with a name the schema does not know, or a value of the wrong kind.
    #[error("fact `{name}`: {message}")]
    Fact { name: String, message: String },
}

impl RulesError {
    /// The position the error points at, when it comes from a text.
    pub fn position(&self) -> Option<Position> {
        match self {
            RulesError::Syntax { position, .. }
            | RulesError::Expression { position, .. }
            | RulesError::Invalid { position, .. } => Some(*position),
            RulesError::Several(errors) => errors.first().and_then(RulesError::position),
            RulesError::Fact { .. } => None,
        }
    }
}

/// Builds errors for one source file: maps byte spans to positions.
pub(crate) struct SourceFile<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

impl SourceFile<'_> {
    pub fn position(&self, offset: usize) -> Position {
        Position::at(self.text, offset)
    }

    /// A TOML parse or shape error, at the span toml reports (or the file's start).
    pub fn toml_error(&self, error: &toml::de::Error) -> RulesError {
        let offset = error.span().map_or(0, |s| s.start);
        RulesError::Syntax {
            file: self.name.to_string(),
            position: self.position(offset),
            message: error.message().trim().to_string(),
        }
    }

    pub fn invalid(&self, offset: usize, message: impl Into<String>) -> RulesError {
        RulesError::Invalid {
            file: self.name.to_string(),
            position: self.position(offset),
            message: message.into(),
        }
    }

    /// An expression error inside the string value spanning `span` in the file. For literal strings
    /// (`'…'`, `'''…'''`) and basic strings without escapes the position is exact; otherwise it is the
    /// start of the value.
    pub fn expr_error(
        &self,
        span: std::ops::Range<usize>,
        value: &str,
        context: &str,
        error: ExprError,
    ) -> RulesError {
        let raw = self.text.get(span.clone()).unwrap_or("");
        let content_start = expression_start(raw, value).map(|d| span.start + d);
        let position = match content_start {
            Some(start) => error.clone().shifted(self.position(start)).position,
            None => self.position(span.start),
        };
        RulesError::Expression {
            file: self.name.to_string(),
            position,
            context: context.to_string(),
            message: error.message,
        }
    }
}

/// Where, in the raw TOML text of a string value, its content starts, when the raw text holds the
/// content verbatim.
fn expression_start(raw: &str, value: &str) -> Option<usize> {
    for quote in ["'''", "\"\"\"", "'", "\""] {
        if let Some(rest) = raw.strip_prefix(quote) {
            // TOML drops a newline right after the opening of a multi-line string.
            let skip = if quote.len() == 3 {
                if rest.starts_with("\r\n") {
                    2
                } else if rest.starts_with('\n') {
                    1
                } else {
                    0
                }
            } else {
                0
            };
            let content = &rest[skip..];
            return content.starts_with(value).then_some(quote.len() + skip);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "ab\né x\n";
        for (offset, line, column) in [(0, 1, 1), (2, 1, 3), (3, 2, 1), (6, 2, 3), (99, 3, 1)] {
            assert_eq!(
                Position::at(text, offset),
                Position { line, column },
                "offset {offset}"
            );
        }
    }

    #[test]
    fn expression_start_in_raw_strings() {
        assert_eq!(expression_start("'a > 1'", "a > 1"), Some(1));
        assert_eq!(expression_start("'''\na > 1'''", "a > 1"), Some(4));
        assert_eq!(expression_start("\"a \\\" b\"", "a \" b"), None);
    }
}
