//! Human-friendly durations and sizes for command-line flags and configuration files.
//!
//! `500ms`, `2s`, `1m`; `512KiB`, `64MiB`, `1MB`, `1000`. Parsed here so every edge accepts the
//! same spellings and says the same thing about a bad one.

use std::time::Duration;

use thiserror::Error;

/// Why a duration or size could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UnitError {
    /// The text does not start with a whole number.
    #[error("{0:?} is not a number followed by a unit (like 500ms, 2s, 64MiB)")]
    NotANumber(String),
    /// The unit after the number is unknown.
    #[error("{text:?} has an unknown unit {unit:?}; use one of {expected}")]
    UnknownUnit {
        /// The whole text given.
        text: String,
        /// The unit that was not recognised.
        unit: String,
        /// The units that are accepted.
        expected: &'static str,
    },
    /// The value does not fit in 64 bits.
    #[error("{0:?} is too large")]
    TooLarge(String),
}

fn split(text: &str) -> Result<(u64, &str), UnitError> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    if digits == 0 {
        return Err(UnitError::NotANumber(text.to_owned()));
    }
    let n = t[..digits]
        .parse::<u64>()
        .map_err(|_| UnitError::TooLarge(text.to_owned()))?;
    Ok((n, t[digits..].trim()))
}

/// Reads a duration: a whole number with `ms`, `s`, `m` or `h` (no unit means seconds).
pub fn parse_duration(text: &str) -> Result<Duration, UnitError> {
    let (n, unit) = split(text)?;
    let ms = match unit {
        "ms" => Some(n),
        "" | "s" => n.checked_mul(1000),
        "m" | "min" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        _ => {
            return Err(UnitError::UnknownUnit {
                text: text.to_owned(),
                unit: unit.to_owned(),
                expected: "ms, s, m, h",
            });
        }
    };
    ms.map(Duration::from_millis)
        .ok_or_else(|| UnitError::TooLarge(text.to_owned()))
}

/// Reads a size in bytes: a whole number with an optional `B`, `KB`/`KiB`, `MB`/`MiB`,
/// `GB`/`GiB` (decimal and binary multiples are both honoured as written; `K`, `M`, `G` alone
/// are binary, as in most tools' flags).
pub fn parse_size(text: &str) -> Result<u64, UnitError> {
    let (n, unit) = split(text)?;
    let factor: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "k" | "kib" => 1 << 10,
        "mb" => 1_000_000,
        "m" | "mib" => 1 << 20,
        "gb" => 1_000_000_000,
        "g" | "gib" => 1 << 30,
        _ => {
            return Err(UnitError::UnknownUnit {
                text: text.to_owned(),
                unit: unit.to_owned(),
                expected: "B, KB, KiB, MB, MiB, GB, GiB",
            });
        }
    };
    n.checked_mul(factor)
        .ok_or_else(|| UnitError::TooLarge(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let cases = [
            ("500ms", 500),
            ("2s", 2000),
            ("2", 2000),
            (" 3 s ", 3000),
            ("1m", 60_000),
            ("1h", 3_600_000),
        ];
        for (text, ms) in cases {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_millis(ms)),
                "{text}"
            );
        }
        assert!(matches!(
            parse_duration("fast"),
            Err(UnitError::NotANumber(_))
        ));
        assert!(matches!(
            parse_duration("-1s"),
            Err(UnitError::NotANumber(_))
        ));
        assert!(matches!(
            parse_duration("5 days"),
            Err(UnitError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse_duration("99999999999999999999h"),
            Err(UnitError::TooLarge(_))
        ));
        assert!(matches!(
            parse_duration("9999999999999999h"),
            Err(UnitError::TooLarge(_))
        ));
    }

    #[test]
    fn sizes() {
        let cases = [
            ("1000", 1000),
            ("1KB", 1000),
            ("1KiB", 1024),
            ("64MiB", 64 << 20),
            ("64m", 64 << 20),
            ("2GB", 2_000_000_000),
            ("1 gib", 1 << 30),
        ];
        for (text, bytes) in cases {
            assert_eq!(parse_size(text), Ok(bytes), "{text}");
        }
        assert!(matches!(
            parse_size("lots"),
            Err(UnitError::UnknownUnit { .. }) | Err(UnitError::NotANumber(_))
        ));
        assert!(matches!(
            parse_size("3 TB"),
            Err(UnitError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse_size("99999999999GiB"),
            Err(UnitError::TooLarge(_))
        ));
    }
}
