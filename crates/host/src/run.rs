//! Compiling and running one program under [`Limits`], and saying how it ended.
#![allow(clippy::disallowed_methods)] // the host is an edge: it owns a ticker thread and a clock

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use thiserror::Error;
use wasmtime::{Config, Engine, InstancePre, Linker, Module, ResourceLimiter, Store, Trap};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};

use crate::Limits;
use crate::cache::ModuleCache;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/runtimes.rs"));
}

/// How often the ticker advances the engine's epoch: the granularity of the timeout.
const TICK: Duration = Duration::from_millis(10);

/// What a program is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// WebAssembly text format.
    Wat,
    /// A WebAssembly binary module.
    Wasm,
    /// JavaScript, run by QuickJS compiled to WASI (`console.log` to stdout, `readStdin()`).
    JavaScript,
    /// Python 3, run by CPython compiled to WASI.
    Python,
}

impl Language {
    /// The language a file extension (or a `--lang` name) names, if the host runs it.
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "wat" => Some(Self::Wat),
            "wasm" => Some(Self::Wasm),
            "js" | "mjs" | "cjs" | "javascript" => Some(Self::JavaScript),
            "py" | "python" => Some(Self::Python),
            _ => None,
        }
    }

    /// The name people use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Wat => "WAT",
            Self::Wasm => "WASM",
            Self::JavaScript => "JavaScript",
            Self::Python => "Python",
        }
    }

    /// The interpreter module that runs this language, if it is not a module itself.
    fn runtime(self) -> Option<Option<&'static [u8]>> {
        match self {
            Self::Wat | Self::Wasm => None,
            Self::JavaScript => Some(embedded::JS),
            Self::Python => Some(embedded::PYTHON),
        }
    }

    /// Whether this kiln can run the language (its runtime was built in).
    pub fn available(self) -> bool {
        self.runtime().is_none_or(|r| r.is_some())
    }
}

/// Why a program could not be started. Limits hit while running are an [`Outcome`], not this.
#[derive(Debug, Error)]
pub enum HostError {
    /// The engine could not be configured on this machine.
    #[error("cannot set up the wasm engine: {0}")]
    Engine(String),
    /// The source is not valid WAT or WASM.
    #[error("not a valid {language:?} module: {reason}")]
    Compile {
        /// What the source claimed to be.
        language: Language,
        /// The compiler's message.
        reason: String,
    },
    /// The module imports something other than WASI preview 1, or exports no `_start`.
    #[error("cannot run this module: {0}")]
    Link(String),
    /// This build has no runtime for the language.
    #[error(
        "this kiln was built without the {0} runtime; `./dev serve` or `./dev test` fetches and \
         builds the runtimes before building kiln"
    )]
    NoRuntime(&'static str),
    /// Source for an interpreter must be text.
    #[error("the {0} program is not UTF-8 text")]
    NotText(&'static str),
}

/// Captured output of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Why a run stopped before the program finished on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The wall-clock limit passed.
    Timeout,
    /// The fuel budget ran out.
    OutOfFuel,
    /// The program asked for more memory or table space than allowed.
    MemoryLimit,
    /// Recursion went deeper than the stack limit.
    StackOverflow,
    /// The program wrote more than the output cap.
    OutputLimit,
    /// Any other trap (unreachable, out-of-bounds access, division by zero…), with its message.
    Trap(String),
}

impl Stop {
    /// Which limit stopped the program, in words, for a person.
    pub fn describe(&self, limits: &Limits) -> String {
        match self {
            Stop::Timeout => format!("time limit of {:?} reached", limits.timeout),
            Stop::OutOfFuel => "fuel budget used up".to_owned(),
            Stop::MemoryLimit => format!("memory limit of {} bytes reached", limits.memory_bytes),
            Stop::StackOverflow => "stack overflow (recursion too deep)".to_owned(),
            Stop::OutputLimit => {
                format!("output limit of {} bytes reached", limits.max_output_bytes)
            }
            Stop::Trap(msg) => format!("trapped: {}", msg.lines().next().unwrap_or("")),
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `Ok(code)` when the program exited by itself (returning from `_start` is code 0).
    pub result: Result<i32, Stop>,
    pub output: Output,
    /// Wall-clock time from instantiation to the end of the run.
    pub elapsed: Duration,
}

/// How the engine is built. The default is what Kiln runs with: epoch interruption (the
/// timeout) on, fuel metering off (it makes CPU-bound code about 3× slower, so it is on only
/// when a run asks for a fuel budget), and the pooling instance allocator (warm runs of a small
/// module 3× faster). BENCHMARKS.md has the measurements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostConfig {
    /// Largest wasm stack in bytes; deeper recursion traps.
    pub max_stack_bytes: usize,
    /// Epoch interruption. Without it a run's timeout is not enforced: for measuring only.
    pub epoch: bool,
    /// Fuel metering; without it `Limits::fuel` is refused.
    pub fuel: bool,
    /// wasmtime's pooling instance allocator instead of allocating per instance.
    pub pooling: bool,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            max_stack_bytes: Limits::default().max_stack_bytes,
            epoch: true,
            fuel: false,
            pooling: true,
        }
    }
}

/// A wasmtime engine configured for hostile programs, with its epoch ticker, the WASI linker,
/// and one `InstancePre` per language runtime, made on first use.
pub struct Host {
    engine: Engine,
    ticker_stop: Arc<AtomicBool>,
    fuel: bool,
    epoch: bool,
    linker: Linker<State>,
    runtimes: Mutex<HashMap<Language, InstancePre<State>>>,
    cache: Option<ModuleCache>,
}

/// A program ready to run any number of times: its linked module and its arguments.
#[derive(Clone)]
pub struct Program {
    pre: InstancePre<State>,
    args: Vec<String>,
}

impl Program {
    /// The program with `args` after its name: `sys.argv[1:]` in Python, `scriptArgs` in
    /// JavaScript, WASI's `args_get` from index 1 in a module.
    #[must_use]
    pub fn with_args(mut self, args: &[String]) -> Self {
        self.args.extend_from_slice(args);
        self
    }
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host").finish_non_exhaustive()
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

struct State {
    wasi: WasiP1Ctx,
    limiter: Limiter,
}

/// Refuses growth past the limits and remembers that it did, so the outcome can say why.
struct Limiter {
    memory_bytes: usize,
    table_elements: usize,
    refused: bool,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            self.refused = true;
            return Err(wasmtime::Error::msg("memory limit reached"));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.table_elements {
            self.refused = true;
            return Err(wasmtime::Error::msg("table limit reached"));
        }
        Ok(true)
    }
}

impl Host {
    /// The default engine ([`HostConfig::default`]) for runs under `limits`: with fuel
    /// metering when they set a fuel budget.
    pub fn for_limits(limits: &Limits) -> Result<Self, HostError> {
        Self::with_config(&HostConfig {
            max_stack_bytes: limits.max_stack_bytes,
            fuel: limits.fuel.is_some(),
            ..HostConfig::default()
        })
    }

    /// The default engine ([`HostConfig::default`]) with this stack limit.
    pub fn new(max_stack_bytes: usize) -> Result<Self, HostError> {
        Self::with_config(&HostConfig {
            max_stack_bytes,
            ..HostConfig::default()
        })
    }

    /// An engine configured by `options` (the benchmarks compare the choices).
    pub fn with_config(options: &HostConfig) -> Result<Self, HostError> {
        let mut config = Config::new();
        config.epoch_interruption(options.epoch);
        config.consume_fuel(options.fuel);
        config.max_wasm_stack(options.max_stack_bytes);
        if options.pooling {
            let mut pool = wasmtime::PoolingAllocationConfig::default();
            pool.total_memories(64)
                .total_tables(64)
                .total_core_instances(64);
            config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
        }
        let fuel = options.fuel;
        let engine = Engine::new(&config).map_err(|e| HostError::Engine(format!("{e:#}")))?;
        let ticker_stop = Arc::new(AtomicBool::new(false));
        let (weak, stop) = (engine.weak(), Arc::clone(&ticker_stop));
        thread::Builder::new()
            .name("kiln-epoch".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    thread::sleep(TICK);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .map_err(|e| HostError::Engine(format!("cannot start the epoch ticker: {e}")))?;
        let mut linker: Linker<State> = Linker::new(&engine);
        p1::add_to_linker_sync(&mut linker, |s: &mut State| &mut s.wasi)
            .map_err(|e| HostError::Link(format!("{e:#}")))?;
        Ok(Self {
            engine,
            ticker_stop,
            fuel,
            epoch: options.epoch,
            linker,
            runtimes: Mutex::new(HashMap::new()),
            cache: None,
        })
    }

    /// Keeps compiled runtimes in `dir` (created owner-only), so later processes skip compiling
    /// them. Without a cache, each `Host` compiles a runtime once, on first use.
    pub fn set_cache_dir(&mut self, dir: &Path) -> std::io::Result<()> {
        self.cache = Some(ModuleCache::open(dir)?);
        Ok(())
    }

    /// Compiles `source` and runs its `_start` under `limits`, with `stdin` as its input.
    pub fn run(
        &self,
        language: Language,
        source: &[u8],
        stdin: &[u8],
        limits: &Limits,
    ) -> Result<Outcome, HostError> {
        let program = self.prepare(language, source)?;
        self.run_program(&program, stdin, limits)
    }

    /// Makes `source` ready to run: a module is compiled and linked; a script is handed to its
    /// language's runtime, whose linked module is made once per host and shared.
    pub fn prepare(&self, language: Language, source: &[u8]) -> Result<Program, HostError> {
        let Some(runtime) = language.runtime() else {
            let module = Module::new(&self.engine, source).map_err(|e| HostError::Compile {
                language,
                reason: format!("{e:#}"),
            })?;
            return Ok(Program {
                pre: self.link(&module)?,
                args: vec!["main".to_owned()],
            });
        };
        let runtime = runtime.ok_or(HostError::NoRuntime(language.name()))?;
        let text = std::str::from_utf8(source)
            .map_err(|_| HostError::NotText(language.name()))?
            .to_owned();
        let args = match language {
            Language::Python => vec!["python".to_owned(), "-c".to_owned(), text],
            _ => vec!["js".to_owned(), text],
        };
        let mut runtimes = self
            .runtimes
            .lock()
            .map_err(|_| HostError::Engine("the runtime table was poisoned".into()))?;
        if let Some(pre) = runtimes.get(&language) {
            return Ok(Program {
                pre: pre.clone(),
                args,
            });
        }
        let compiled = match &self.cache {
            Some(cache) => cache.module(&self.engine, runtime),
            None => Module::new(&self.engine, runtime),
        };
        let module = compiled.map_err(|e| HostError::Compile {
            language,
            reason: format!("the runtime itself: {e:#}"),
        })?;
        let pre = self.link(&module)?;
        runtimes.insert(language, pre.clone());
        Ok(Program { pre, args })
    }

    fn link(&self, module: &Module) -> Result<InstancePre<State>, HostError> {
        let has_start = module.get_export("_start").is_some_and(|e| {
            e.func()
                .is_some_and(|f| f.params().len() == 0 && f.results().len() == 0)
        });
        if !has_start {
            return Err(HostError::Link(
                "the module exports no `_start` function taking and returning nothing \
                 (a WASI command)"
                    .into(),
            ));
        }

        self.linker
            .instantiate_pre(module)
            .map_err(|e| HostError::Link(format!("{e:#}")))
    }

    /// Runs a prepared program's `_start` under `limits`, with `stdin` as its input, in a fresh
    /// instance: nothing carries over from an earlier run.
    pub fn run_program(
        &self,
        program: &Program,
        stdin: &[u8],
        limits: &Limits,
    ) -> Result<Outcome, HostError> {
        let pre = &program.pre;

        let stdout = MemoryOutputPipe::new(limits.max_output_bytes);
        let stderr = MemoryOutputPipe::new(limits.max_output_bytes);
        // No preopened directories, no environment, no network: the builder's defaults.
        let wasi = WasiCtxBuilder::new()
            .stdin(MemoryInputPipe::new(stdin.to_vec()))
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .args(&program.args)
            .build_p1();
        let limiter = Limiter {
            memory_bytes: limits.memory_bytes,
            table_elements: limits.table_elements,
            refused: false,
        };
        let mut store = Store::new(&self.engine, State { wasi, limiter });
        store.limiter(|s| &mut s.limiter);
        if self.fuel {
            store
                .set_fuel(limits.fuel.unwrap_or(u64::MAX))
                .map_err(|e| HostError::Engine(format!("{e:#}")))?;
        } else if limits.fuel.is_some() {
            return Err(HostError::Engine(
                "this host was built without fuel metering".into(),
            ));
        }
        let ticks = limits.timeout.as_millis().div_ceil(TICK.as_millis()).max(1);
        if self.epoch {
            store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
            store.epoch_deadline_trap();
        }

        let started = Instant::now();
        let result = pre
            .instantiate(&mut store)
            .and_then(|instance| instance.get_typed_func::<(), ()>(&mut store, "_start"))
            .and_then(|start| start.call(&mut store, ()));
        let elapsed = started.elapsed();

        let full = |p: &MemoryOutputPipe| p.contents().len() >= limits.max_output_bytes;
        let result = match result {
            // An interpreter that meets the full pipe exits with an I/O error of its own (CPython
            // says 120); the cap is still what ended it.
            Ok(()) | Err(_) if full(&stdout) || full(&stderr) => Err(Stop::OutputLimit),
            Ok(()) => Ok(0),
            Err(e) => classify(&e, store.data().limiter.refused, &stdout, &stderr, limits),
        };
        drop(store);
        let output = Output {
            stdout: stdout.contents().to_vec(),
            stderr: stderr.contents().to_vec(),
        };
        Ok(Outcome {
            result,
            output,
            elapsed,
        })
    }
}

fn classify(
    e: &wasmtime::Error,
    limiter_refused: bool,
    stdout: &MemoryOutputPipe,
    stderr: &MemoryOutputPipe,
    limits: &Limits,
) -> Result<i32, Stop> {
    if let Some(exit) = e.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return Ok(exit.0);
    }
    if limiter_refused {
        return Err(Stop::MemoryLimit);
    }
    // Once an output pipe is full, further writes fail; a program that keeps writing spins
    // until a later limit stops it. The cap was the first limit it hit, so name that one.
    let full = |p: &MemoryOutputPipe| p.contents().len() >= limits.max_output_bytes;
    if format!("{e:#}").contains("beyond capacity") || full(stdout) || full(stderr) {
        return Err(Stop::OutputLimit);
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => return Err(Stop::Timeout),
        Some(Trap::OutOfFuel) => return Err(Stop::OutOfFuel),
        Some(Trap::StackOverflow) => return Err(Stop::StackOverflow),
        _ => {}
    }
    Err(Stop::Trap(format!("{e:#}")))
}
