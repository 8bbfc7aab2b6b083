//! Kiln's JavaScript runtime: runs the program given as the first argument in QuickJS, with
//! `console.log`/`console.error` on stdout/stderr, `readStdin()` returning all of stdin and
//! `scriptArgs` holding the arguments after the program (as QuickJS's own `qjs` names them).
//!
//! It is a WASI command run by kiln-host, which owns every limit (time, memory, output); this
//! program only has to turn a thrown error into a message on stderr and exit code 1.

use std::io::{Read, Write};
use std::process::ExitCode;

use rquickjs::function::Rest;
use rquickjs::{CatchResultExt, CaughtError, Context, Ctx, Function, Object, Runtime, Value};

fn show<'js>(v: &Value<'js>) -> String {
    let ctx = v.ctx();
    if let Some(s) = v.as_string() {
        return s.to_string().unwrap_or_default();
    }
    if v.is_object() && !v.is_function() {
        if let Ok(Some(json)) = ctx.json_stringify(v.clone()) {
            if let Ok(s) = json.to_string() {
                return s;
            }
        }
    }
    ctx.globals()
        .get::<_, Function<'js>>("String")
        .and_then(|f| f.call::<_, String>((v.clone(),)))
        .unwrap_or_else(|_| "?".to_owned())
}

fn line(args: &Rest<Value<'_>>) -> String {
    let parts: Vec<String> = args.0.iter().map(show).collect();
    let mut out = parts.join(" ");
    out.push('\n');
    out
}

fn install(ctx: &Ctx<'_>) -> rquickjs::Result<()> {
    let console = Object::new(ctx.clone())?;
    let log = Function::new(ctx.clone(), |args: Rest<Value<'_>>| {
        let _ = std::io::stdout().write_all(line(&args).as_bytes());
    })?;
    let err = Function::new(ctx.clone(), |args: Rest<Value<'_>>| {
        let _ = std::io::stderr().write_all(line(&args).as_bytes());
    })?;
    console.set("log", log.clone())?;
    console.set("info", log)?;
    console.set("error", err.clone())?;
    console.set("warn", err)?;
    ctx.globals().set("console", console)?;
    let read = Function::new(ctx.clone(), || {
        let mut s = String::new();
        let _ = std::io::stdin().read_to_string(&mut s);
        s
    })?;
    ctx.globals().set("readStdin", read)?;
    let args: Vec<String> = std::env::args().skip(2).collect();
    ctx.globals().set("scriptArgs", args)?;
    Ok(())
}

fn main() -> ExitCode {
    let Some(source) = std::env::args().nth(1) else {
        eprintln!("kiln-js: no program given");
        return ExitCode::from(2);
    };
    let Ok(runtime) = Runtime::new() else {
        eprintln!("kiln-js: cannot start QuickJS");
        return ExitCode::from(2);
    };
    let Ok(context) = Context::full(&runtime) else {
        eprintln!("kiln-js: cannot create a context");
        return ExitCode::from(2);
    };
    let failed = context.with(|ctx| {
        if let Err(e) = install(&ctx) {
            eprintln!("kiln-js: {e}");
            return true;
        }
        match ctx.eval::<(), _>(source).catch(&ctx) {
            Ok(()) => false,
            Err(CaughtError::Exception(ex)) => {
                // As a browser console shows it: `SyntaxError: message`, then the stack.
                let name: String = ex.get("name").unwrap_or_else(|_| "Error".to_owned());
                let message = ex.message().unwrap_or_default();
                let stack = ex.stack().unwrap_or_default();
                eprintln!("{name}: {message}");
                if !stack.trim().is_empty() {
                    eprint!("{stack}");
                }
                true
            }
            Err(e) => {
                eprintln!("Uncaught {e}");
                true
            }
        }
    });
    // Promises and async functions: run what the program queued.
    let mut job_failed = false;
    while runtime.is_job_pending() {
        if runtime.execute_pending_job().is_err() {
            job_failed = true;
        }
    }
    let _ = std::io::stdout().flush();
    if failed || job_failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
