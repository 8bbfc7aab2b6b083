//! What the person types before it is sent: validation shared by the page and the CLI.
//!
//! Both edges must agree on what counts as a sendable prompt, so the rule lives here once.

use thiserror::Error;

/// The longest prompt Kiln sends, in characters. Large enough for pasted code or data; small
/// enough that a stuck paste cannot make a provider request of many megabytes.
pub const MAX_PROMPT_CHARS: usize = 100_000;

/// Why a prompt cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PromptError {
    /// Nothing but white space was typed.
    #[error("prompt is empty")]
    Empty,
    /// The prompt is longer than [`MAX_PROMPT_CHARS`].
    #[error("prompt is {chars} characters, limit is {MAX_PROMPT_CHARS}")]
    TooLong {
        /// How many characters were typed.
        chars: usize,
    },
}

/// A prompt that is ready to send: trimmed, non-empty and within the size limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt(String);

impl Prompt {
    /// Checks what was typed and keeps it trimmed of surrounding white space.
    pub fn parse(typed: &str) -> Result<Self, PromptError> {
        let trimmed = typed.trim();
        if trimmed.is_empty() {
            return Err(PromptError::Empty);
        }
        let chars = trimmed.chars().count();
        if chars > MAX_PROMPT_CHARS {
            return Err(PromptError::TooLong { chars });
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The prompt text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_ordinary_text() {
        let p = Prompt::parse("  a todo list app \n").unwrap();
        assert_eq!(p.as_str(), "a todo list app");
    }

    #[test]
    fn rejects_blank() {
        assert_eq!(Prompt::parse(" \n\t "), Err(PromptError::Empty));
        assert_eq!(Prompt::parse(""), Err(PromptError::Empty));
    }

    #[test]
    fn counts_characters_not_bytes() {
        let at_limit = "é".repeat(MAX_PROMPT_CHARS);
        assert!(Prompt::parse(&at_limit).is_ok());
        let over = "é".repeat(MAX_PROMPT_CHARS + 1);
        assert_eq!(
            Prompt::parse(&over),
            Err(PromptError::TooLong {
                chars: MAX_PROMPT_CHARS + 1
            })
        );
    }
}
