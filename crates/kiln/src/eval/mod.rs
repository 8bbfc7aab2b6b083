//! `kiln eval`: generate every case of a prompt suite with a model, render each artifact in
//! headless Chromium through the studio's own sandbox, run the case's checks in it, and
//! report per case and in total (JSON, and one self-contained HTML file with screenshots).
//!
//! The suite format, the checks' scripts, the totals, the comparison and the report are
//! `kiln_core::eval`; this module is the loop around them. Rendering goes through a `kiln
//! serve` this command starts on loopback: each artifact is opened as a share link, so it
//! runs exactly as a person would see it (studio page, sandbox origin, CSP, bridge, Console
//! tab). Results are written after every case, so an interrupted run resumes where it
//! stopped when the same command is run again; `--recheck` renders and checks the replies a
//! run saved, with the current extractor and checks, without calling the model. An app that
//! calls the model itself (`kiln.complete`) is answered by the run's model: the studio in the
//! eval's browser is given its settings and key, and its question is answered "Allow for this
//! session" (`browser::StudioModel`).

mod browser;
mod conversation;
mod progress;

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result, anyhow, bail};
use base64::Engine as _;
use kiln_core::eval::{self, Case, CaseResult, Prices, RESULTS_FORMAT, RunRecord, TurnRecord};

use crate::model::{ModelFlags, Provider};
use crate::webdriver::{self, Driver};

use self::browser::{Server, WINDOW, check_in_browser, stop_children_on_interrupt};
use self::conversation::Model;
use self::progress::Progress;

/// Options for `kiln eval`.
#[derive(clap::Args, Debug)]
pub struct Options {
    /// Which provider API to speak (not needed with --recheck or --compare).
    #[arg(long, value_enum, required_unless_present_any = ["recheck", "compare"])]
    provider: Option<Provider>,
    #[command(flatten)]
    model: ModelFlags,
    /// The suite: a folder of case files (see examples/eval/README.md).
    #[arg(long, default_value = "examples/eval", value_name = "DIR")]
    suite: PathBuf,
    /// Attempts per case.
    #[arg(long, default_value_t = 1, value_name = "N")]
    repeat: u32,
    /// Cases run at once (each in its own browser window).
    #[arg(long, default_value_t = 2, value_name = "K")]
    concurrency: usize,
    /// Where results.json, report.html and the screenshots go. Running the same command again
    /// resumes a run that was interrupted.
    #[arg(long, default_value = "eval-results", value_name = "DIR")]
    out: PathBuf,
    /// Render and check the replies saved in this earlier run's folder again, without the
    /// model (to measure a change to the extractor, the renderers or the checks). With
    /// --provider too, the model answers only the apps' own calls (`kiln.complete`).
    #[arg(long, value_name = "DIR")]
    recheck: Option<PathBuf>,
    /// Compare two runs (folders or results.json files) and exit.
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    compare: Option<Vec<PathBuf>>,
    /// Price of a million input tokens in US dollars, for the cost column.
    #[arg(long, value_name = "USD", requires = "price_out")]
    price_in: Option<f64>,
    /// Price of a million output tokens in US dollars.
    #[arg(long, value_name = "USD", requires = "price_in")]
    price_out: Option<f64>,
    /// The Chromium binary.
    #[arg(long, default_value = "/usr/bin/chromium", value_name = "PATH")]
    chromium: PathBuf,
    /// The chromedriver binary.
    #[arg(long, default_value = "/usr/bin/chromedriver", value_name = "PATH")]
    chromedriver: PathBuf,
}

pub fn run(opts: &Options) -> Result<ExitCode> {
    let prices = opts.price_in.zip(opts.price_out).map(|(i, o)| Prices {
        input_per_mtok: i,
        output_per_mtok: o,
    });
    if let Some(paths) = &opts.compare {
        let [a, b] = paths.as_slice() else {
            bail!("--compare takes two runs");
        };
        let comparison = eval::compare(&load_run(a)?, &load_run(b)?);
        print!("{}", comparison.describe());
        return Ok(ExitCode::SUCCESS);
    }
    let cases = load_suite(&opts.suite)?;
    let source = opts.recheck.as_deref().map(load_run).transpose()?;
    // A recheck asks the model nothing, unless it is named: then it answers the apps' calls.
    let model = match (&source, opts.provider) {
        (Some(_), None) => None,
        _ => Some(Model::new(opts)?),
    };
    let label = match (&model, &source) {
        (_, Some(s)) => format!("{} (rechecked)", s.label),
        (Some(m), None) => m.label(),
        (None, None) => bail!("name a provider with --provider, or a run to --recheck"),
    };
    std::fs::create_dir_all(opts.out.join("screenshots"))
        .with_context(|| format!("creating {}", opts.out.display()))?;
    let results_path = opts.out.join("results.json");
    let mut record = if results_path.exists() {
        let mut saved = load_run(&results_path)?;
        if saved.label != label || saved.suite != opts.suite.display().to_string() {
            bail!(
                "{} holds a run of {} on {}; pass another --out to start a new one",
                opts.out.display(),
                saved.label,
                saved.suite
            );
        }
        // Resumed with more attempts per case, the report counts them.
        saved.repeat = saved.repeat.max(opts.repeat.max(1));
        saved
    } else {
        RunRecord {
            format: RESULTS_FORMAT,
            label,
            suite: opts.suite.display().to_string(),
            repeat: opts.repeat.max(1),
            started_ms: now_ms(),
            cases: Vec::new(),
        }
    };
    // A case that did not finish is not in the file; an attempt is one unit of work.
    let mut todo = VecDeque::new();
    for case in &cases {
        for attempt in 1..=opts.repeat.max(1) {
            let key = format!("{}#{attempt}", case.name);
            if record.find(&key).is_some() {
                continue;
            }
            let saved = match &source {
                Some(s) => match s.find(&key) {
                    Some(c) => Some(c.turns.clone()),
                    None => continue,
                },
                None => None,
            };
            todo.push_back(Job {
                case: case.clone(),
                attempt,
                saved,
            });
        }
    }
    let total = record.cases.len() + todo.len();
    if !record.cases.is_empty() {
        eprintln!(
            "kiln: resuming {}: {} of {total} done",
            opts.out.display(),
            record.cases.len()
        );
    }
    if total == 0 {
        bail!("nothing to run: the suite and --recheck have no case in common");
    }

    if !todo.is_empty() {
        stop_children_on_interrupt();
        let server = Server::start()?;
        let driver = Driver::start(&opts.chromedriver)?;
        let shared = Shared {
            todo: Mutex::new(todo),
            record: Mutex::new(record),
            results_path: results_path.clone(),
            out: opts.out.clone(),
            progress: Mutex::new(Progress::new(total)),
            fatal: Mutex::new(None),
        };
        let workers = opts.concurrency.clamp(1, 8);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| worker(&shared, &driver, opts, model.as_ref(), &server.url));
            }
        });
        if let Some(e) = shared.fatal.into_inner().ok().flatten() {
            return Err(e.context(format!(
                "the run stopped; what finished is in {} and the same command goes on from there",
                opts.out.display()
            )));
        }
        record = shared
            .record
            .into_inner()
            .map_err(|_| anyhow!("a worker panicked"))?;
    }

    let shots = screenshots(&opts.out, &record);
    let report = opts.out.join("report.html");
    std::fs::write(&report, eval::report_html(&record, prices, &shots))
        .with_context(|| format!("writing {}", report.display()))?;
    let totals = record.totals(prices);
    eprintln!("kiln: {}", totals.line());
    eprintln!(
        "kiln: wrote {} and {}",
        results_path.display(),
        report.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Reads a suite folder: every `*.toml` in it is a case.
fn load_suite(dir: &Path) -> Result<Vec<Case>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("reading the suite folder {}", dir.display()))?;
    let mut cases = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| anyhow!("{} has no usable name", path.display()))?
            .to_owned();
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        cases.push(eval::parse_case(&name, &text)?);
    }
    eval::suite(cases).with_context(|| format!("in {}", dir.display()))
}

/// Reads a run from its folder or its results.json.
fn load_run(path: &Path) -> Result<RunRecord> {
    let file = if path.is_dir() {
        path.join("results.json")
    } else {
        path.to_owned()
    };
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let record: RunRecord = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a kiln eval results file", file.display()))?;
    if record.format > RESULTS_FORMAT {
        bail!(
            "{} was written by a newer kiln (results format {})",
            file.display(),
            record.format
        );
    }
    Ok(record)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// One unit of work: a case, which attempt, and the saved turns when rechecking.
struct Job {
    case: Case,
    attempt: u32,
    saved: Option<Vec<TurnRecord>>,
}

struct Shared {
    todo: Mutex<VecDeque<Job>>,
    record: Mutex<RunRecord>,
    results_path: PathBuf,
    out: PathBuf,
    progress: Mutex<Progress>,
    /// What stopped the run (no browser), if anything did.
    fatal: Mutex<Option<anyhow::Error>>,
}

fn worker(shared: &Shared, driver: &Driver, opts: &Options, model: Option<&Model>, base: &str) {
    let mut window: Option<webdriver::Session> = None;
    loop {
        if shared.fatal.lock().map_or(true, |f| f.is_some()) {
            return;
        }
        let Some(job) = shared.todo.lock().ok().and_then(|mut q| q.pop_front()) else {
            return;
        };
        if let Ok(mut p) = shared.progress.lock() {
            p.started(&job.case.name);
        }
        let started = Instant::now();
        let (turns, error) = match (&job.saved, model) {
            (Some(saved), _) => (saved.clone(), None),
            (None, Some(m)) => m.converse(&job.case),
            (None, None) => (Vec::new(), Some("no model and no saved reply".to_owned())),
        };
        let mut result = CaseResult {
            case: job.case.name.clone(),
            attempt: job.attempt,
            expected_kind: Some(job.case.kind),
            error,
            ..CaseResult::default()
        };
        let (set, shown) = eval::replay_replies(turns.iter().map(|t| t.reply.as_str()));
        result.turns = turns;
        let artifact = shown.and_then(|id| set.latest(&id).map(|(_, a)| (id, a.clone())));
        if let Some((id, artifact)) = artifact {
            result.artifact_id = Some(id);
            result.kind = Some(artifact.kind);
            result.complete = artifact.complete;
            result.bytes = artifact.content.len();
            if result.extracted() {
                let mut w = match window.take() {
                    Some(w) => w,
                    None => match driver.session(&opts.chromium, WINDOW.0, WINDOW.1) {
                        Ok(w) => w,
                        // No browser is no verdict on the model: the run stops, and this case
                        // is not saved, so running again does it.
                        Err(e) => {
                            if let Ok(mut f) = shared.fatal.lock() {
                                f.get_or_insert(e);
                            }
                            return;
                        }
                    },
                };
                let key = result.key();
                let began = Instant::now();
                let studio = model.map(Model::studio);
                match check_in_browser(
                    &mut w,
                    base,
                    &job.case,
                    &artifact,
                    &shared.out,
                    &key,
                    studio.as_ref(),
                ) {
                    Ok(found) => {
                        result.rendered = found.rendered;
                        result.checks = found.checks;
                        result.screenshot = found.screenshot;
                        window = Some(w);
                    }
                    // The window may be stuck in the artifact: it is closed (dropped) and the
                    // next case gets a new one.
                    Err(e) => {
                        let limit = Duration::from_secs(u64::from(job.case.timeout_seconds));
                        let e = if began.elapsed() >= limit {
                            e.context(format!(
                                "timed out after {} s: the artifact stopped responding or \
                                 never finished rendering",
                                job.case.timeout_seconds
                            ))
                        } else {
                            e
                        };
                        if result.error.is_none() {
                            result.error = Some(format!("{e:#}"));
                        }
                    }
                }
            }
        }
        result.elapsed_ms = started.elapsed().as_millis() as u64;
        // Saved before it is announced: a case the progress shows is a case a resume skips.
        if let Ok(mut record) = shared.record.lock() {
            record.cases.push(result.clone());
            if let Err(e) = save(&shared.results_path, &record) {
                eprintln!("kiln: {e:#}");
            }
        }
        if let Ok(mut p) = shared.progress.lock() {
            p.finished(&result);
        }
    }
}

/// Writes the results so far, whole or not at all.
fn save(path: &Path, record: &RunRecord) -> Result<()> {
    let json = serde_json::to_string_pretty(record).context("writing the results as JSON")?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

/// The screenshots the report embeds, base64-encoded, by file name.
fn screenshots(out: &Path, record: &RunRecord) -> BTreeMap<String, String> {
    record
        .cases
        .iter()
        .filter_map(|c| c.screenshot.clone())
        .filter_map(|name| {
            let png = std::fs::read(out.join("screenshots").join(&name)).ok()?;
            Some((name, base64::engine::general_purpose::STANDARD.encode(png)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_suite_reads_and_covers_every_kind_it_promises() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/eval");
        let cases = load_suite(&dir).unwrap();
        assert!(cases.len() >= 30, "{} cases", cases.len());
        use kiln_core::artifact::ArtifactKind as K;
        for kind in [K::Html, K::React, K::Svg, K::Markdown, K::Mermaid] {
            assert!(cases.iter().any(|c| c.kind == kind), "no {kind} case");
        }
        assert!(cases.iter().filter(|c| !c.follow_ups.is_empty()).count() >= 5);
    }
}
