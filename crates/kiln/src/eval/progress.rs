//! `kiln eval`'s progress on stderr, as cases start and finish.

use std::io::IsTerminal as _;

use kiln_core::eval::CaseResult;

/// The progress line: a bar while stderr is a terminal, one line per case either way.
pub(super) struct Progress {
    total: usize,
    done: usize,
    passed: usize,
    live: bool,
    running: Vec<String>,
}

impl Progress {
    pub(super) fn new(total: usize) -> Self {
        Self {
            total,
            done: 0,
            passed: 0,
            live: std::io::stderr().is_terminal(),
            running: Vec::new(),
        }
    }

    pub(super) fn started(&mut self, name: &str) {
        self.running.push(name.to_owned());
        self.draw();
    }

    pub(super) fn finished(&mut self, r: &CaseResult) {
        self.done += 1;
        self.passed += usize::from(r.passed());
        if let Some(i) = self.running.iter().position(|n| *n == r.case) {
            self.running.remove(i);
        }
        let checks = r.checks.iter().filter(|c| c.passed).count();
        let verdict = match r.failure() {
            None => "PASS".to_owned(),
            Some(f) => format!("FAIL  {f}"),
        };
        if self.live {
            eprint!("\r\x1b[2K");
        }
        eprintln!(
            "[{}/{}] {}  checks {checks}/{}  {:.1} s  {verdict}",
            self.done,
            self.total,
            r.key(),
            r.checks.len(),
            r.elapsed_ms as f64 / 1000.0
        );
        self.draw();
    }

    fn draw(&self) {
        if !self.live {
            return;
        }
        let width = 24;
        let filled = (self.done * width).checked_div(self.total).unwrap_or(0);
        eprint!(
            "\r\x1b[2K[{}{}] {}/{} · {} passed · running {}",
            "#".repeat(filled),
            "-".repeat(width - filled),
            self.done,
            self.total,
            self.passed,
            self.running.join(", ")
        );
    }
}
