//! The command line a person types for Run in the Code tab, split into a program's arguments
//! as a POSIX shell would split it (quotes and backslashes, no expansion), and the caps
//! `POST /api/run` holds a request's arguments and input to.

use thiserror::Error;

/// At most this many arguments.
pub const MAX_ARGS: usize = 64;
/// At most this many bytes of arguments, all together.
pub const MAX_ARGS_BYTES: usize = 16 * 1024;
/// At most this many bytes of standard input.
pub const MAX_STDIN_BYTES: usize = 1024 * 1024;

/// Why a command line or a run request's input cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArgsError {
    #[error("a quote ({0}) is not closed")]
    Unclosed(char),
    #[error("too many arguments: at most {MAX_ARGS}")]
    TooMany,
    #[error("the arguments are too long: at most {} KiB in all", MAX_ARGS_BYTES / 1024)]
    TooLong,
    #[error("the input is too long: at most {} MiB", MAX_STDIN_BYTES / (1024 * 1024))]
    StdinTooLong,
    #[error("an argument contains a NUL character, which programs cannot receive")]
    Nul,
}

/// Splits `line` into arguments: words separated by whitespace; `'…'` keeps everything
/// literally, `"…"` keeps everything but `\"` and `\\`, and a backslash outside quotes keeps the
/// next character. Nothing is expanded (`$HOME`, `*`, `~` stay as typed): there is no shell.
pub fn split_args(line: &str) -> Result<Vec<String>, ArgsError> {
    let mut args = Vec::new();
    let mut word = String::new();
    // Whether a word has started, so `""` is an empty argument rather than nothing.
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    args.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(ArgsError::Unclosed('\'')),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(ArgsError::Unclosed('"')),
                        },
                        Some(c) => word.push(c),
                        None => return Err(ArgsError::Unclosed('"')),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    word.push(c);
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        args.push(word);
    }
    check(&args, "")?;
    Ok(args)
}

/// Whether `args` and `stdin` are within the caps a run request is held to.
pub fn check(args: &[String], stdin: &str) -> Result<(), ArgsError> {
    if args.len() > MAX_ARGS {
        return Err(ArgsError::TooMany);
    }
    if args.iter().map(String::len).sum::<usize>() > MAX_ARGS_BYTES {
        return Err(ArgsError::TooLong);
    }
    if args.iter().any(|a| a.contains('\0')) {
        return Err(ArgsError::Nul);
    }
    if stdin.len() > MAX_STDIN_BYTES {
        return Err(ArgsError::StdinTooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_as_a_shell_would_without_expanding() {
        let table: &[(&str, &[&str])] = &[
            ("", &[]),
            ("   ", &[]),
            ("one", &["one"]),
            ("  --count 3\tfile.txt ", &["--count", "3", "file.txt"]),
            (
                "\"two words\" 'and three here'",
                &["two words", "and three here"],
            ),
            ("name=\"Ada Lovelace\"", &["name=Ada Lovelace"]),
            ("'' \"\"", &["", ""]),
            (r#""say \"hi\"" 'it''s'"#, &["say \"hi\"", "its"]),
            (r#""a\nb" c\ d"#, &["a\\nb", "c d"]),
            ("$HOME * ~", &["$HOME", "*", "~"]),
            ("ünï 😀", &["ünï", "😀"]),
        ];
        for (line, want) in table {
            let got = split_args(line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
            assert_eq!(got, *want, "{line:?}");
        }
    }

    #[test]
    fn unclosed_quotes_and_oversized_lines_are_refused_with_a_reason() {
        assert_eq!(split_args("say 'hi"), Err(ArgsError::Unclosed('\'')));
        assert_eq!(split_args("say \"hi"), Err(ArgsError::Unclosed('"')));
        assert_eq!(split_args("\"ends in \\"), Err(ArgsError::Unclosed('"')));
        let many = vec!["x"; MAX_ARGS + 1].join(" ");
        assert_eq!(split_args(&many), Err(ArgsError::TooMany));
        let long = "y".repeat(MAX_ARGS_BYTES + 1);
        assert_eq!(split_args(&long), Err(ArgsError::TooLong));
        assert_eq!(split_args("a\0b"), Err(ArgsError::Nul));
        assert_eq!(
            check(&[], &"z".repeat(MAX_STDIN_BYTES + 1)),
            Err(ArgsError::StdinTooLong)
        );
        assert_eq!(check(&["ok".into()], "fine"), Ok(()));
        assert!(ArgsError::Unclosed('"').to_string().contains("not closed"));
    }
}
