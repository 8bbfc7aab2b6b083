//! wordfreq — count word frequencies in text files or stdin.
//!
//! Usage:
//!     wordfreq [OPTIONS] [FILE]...
//!
//! Options:
//!     -n, --top <N>        show the N most frequent words (default 20)
//!     -m, --min-len <N>    ignore words shorter than N characters (default 1)
//!     -s, --stopwords      skip common English stopwords
//!     -c, --csv            print results as CSV instead of a table
//!     -h, --help           print this help
//!
//! Build with `rustc -O wordfreq.rs` — no external crates required.

use std::collections::{HashMap, HashSet};
use std::env;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::process;

const STOPWORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "but",
    "by", "can", "could", "did", "do", "for", "from", "had", "has", "have", "he", "her", "him", "his",
    "i", "if", "in", "into", "is", "it", "its", "just", "me", "my", "no", "not", "of", "on", "one",
    "or", "our", "out", "she", "so", "than", "that", "the", "their", "them", "then", "there", "they",
    "this", "to", "up", "us", "was", "we", "were", "what", "when", "which", "who", "will", "with",
    "would", "you", "your",
];

struct Config {
    top: usize,
    min_len: usize,
    stopwords: bool,
    csv: bool,
    files: Vec<String>,
}

fn usage() -> ! {
    eprintln!("usage: wordfreq [-n N] [-m N] [-s] [-c] [FILE]...");
    process::exit(2);
}

fn parse_args() -> Config {
    let mut cfg = Config { top: 20, min_len: 1, stopwords: false, csv: false, files: Vec::new() };
    let mut args = env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-n" | "--top" => cfg.top = parse_num(args.next(), "--top"),
            "-m" | "--min-len" => cfg.min_len = parse_num(args.next(), "--min-len"),
            "-s" | "--stopwords" => cfg.stopwords = true,
            "-c" | "--csv" => cfg.csv = true,
            "-h" | "--help" => {
                println!("wordfreq — count word frequencies\n\n  -n, --top N\n  -m, --min-len N\n  -s, --stopwords\n  -c, --csv");
                process::exit(0);
            }
            "-" => cfg.files.push(arg),
            s if s.starts_with('-') => {
                eprintln!("unknown option: {s}");
                usage();
            }
            _ => cfg.files.push(arg),
        }
    }
    cfg
}

fn parse_num(value: Option<String>, flag: &str) -> usize {
    match value.as_deref().map(str::parse::<usize>) {
        Some(Ok(n)) => n,
        _ => {
            eprintln!("{flag} expects a positive integer");
            usage();
        }
    }
}

/// Splits a line into lowercase words. Apostrophes inside words are kept
/// ("don't", "o'clock"), everything else that isn't alphanumeric separates words.
fn words(line: &str) -> impl Iterator<Item = String> + '_ {
    line.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .map(|w| w.trim_matches(|c: char| c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
}

fn count<R: BufRead>(reader: R, counts: &mut HashMap<String, u64>, cfg: &Config, stop: &HashSet<&str>) -> io::Result<u64> {
    let mut total = 0;
    for line in reader.lines() {
        let line = line?;
        for w in words(&line) {
            if w.chars().count() < cfg.min_len || (cfg.stopwords && stop.contains(w.as_str())) {
                continue;
            }
            if w.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            *counts.entry(w).or_insert(0) += 1;
            total += 1;
        }
    }
    Ok(total)
}

fn main() {
    let cfg = parse_args();
    let stop: HashSet<&str> = STOPWORDS.iter().copied().collect();
    let mut counts: HashMap<String, u64> = HashMap::new();
    let mut total = 0u64;

    let sources = if cfg.files.is_empty() { vec!["-".to_string()] } else { cfg.files.clone() };
    for src in &sources {
        let result = if src == "-" {
            count(io::stdin().lock(), &mut counts, &cfg, &stop)
        } else {
            match File::open(src) {
                Ok(f) => count(BufReader::new(f), &mut counts, &cfg, &stop),
                Err(e) => {
                    eprintln!("wordfreq: {src}: {e}");
                    continue;
                }
            }
        };
        match result {
            Ok(n) => total += n,
            Err(e) => eprintln!("wordfreq: {src}: {e}"),
        }
    }

    let mut ranked: Vec<(&String, &u64)> = counts.iter().collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    ranked.truncate(cfg.top);

    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = if cfg.csv {
        print_csv(&mut out, &ranked)
    } else {
        print_table(&mut out, &ranked, total, counts.len())
    };
    if let Err(e) = result {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("wordfreq: {e}");
            process::exit(1);
        }
    }
}

fn print_csv<W: Write>(out: &mut W, ranked: &[(&String, &u64)]) -> io::Result<()> {
    writeln!(out, "rank,word,count")?;
    for (i, (word, n)) in ranked.iter().enumerate() {
        let escaped = if word.contains(',') || word.contains('"') {
            format!("\"{}\"", word.replace('"', "\"\""))
        } else {
            word.to_string()
        };
        writeln!(out, "{},{},{}", i + 1, escaped, n)?;
    }
    Ok(())
}

fn print_table<W: Write>(out: &mut W, ranked: &[(&String, &u64)], total: u64, unique: usize) -> io::Result<()> {
    if ranked.is_empty() {
        return writeln!(out, "no words found");
    }
    let width = ranked.iter().map(|(w, _)| w.chars().count()).max().unwrap_or(4).max(4);
    let max = *ranked[0].1 as f64;
    writeln!(out, "{:>4}  {:<width$}  {:>8}  {:>6}", "#", "word", "count", "%")?;
    writeln!(out, "{}", "-".repeat(width + 24 + 30))?;
    for (i, &(word, &n)) in ranked.iter().enumerate() {
        let pct = if total > 0 { n as f64 * 100.0 / total as f64 } else { 0.0 };
        let bar = "▇".repeat(((n as f64 / max) * 30.0).round() as usize);
        writeln!(out, "{:>4}  {:<width$}  {:>8}  {:>5.2}%  {}", i + 1, word, n, pct, bar)?;
    }
    writeln!(out, "\n{total} words, {unique} unique")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_lowercases() {
        let got: Vec<String> = words("Hello, World! It's 'quoted' -- don't stop.").collect();
        assert_eq!(got, ["hello", "world", "it's", "quoted", "don't", "stop"]);
    }

    #[test]
    fn counts_with_stopwords() {
        let cfg = Config { top: 10, min_len: 1, stopwords: true, csv: false, files: vec![] };
        let stop: HashSet<&str> = STOPWORDS.iter().copied().collect();
        let mut counts = HashMap::new();
        let total = count("the cat and the hat\nthe cat".as_bytes(), &mut counts, &cfg, &stop).unwrap();
        assert_eq!(total, 3);
        assert_eq!(counts["cat"], 2);
        assert!(!counts.contains_key("the"));
    }
}
