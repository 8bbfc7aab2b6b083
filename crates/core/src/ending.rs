//! What the studio says when a turn ends: a sentence that leads with what happened and what to
//! do, the provider's own words kept apart as detail, and whether it is a problem.

use crate::protocol::{AUTO_FIX_LIMIT, AutoFix};
use crate::provider::{ErrorKind, ProviderError};
use crate::session::Ending;

/// How the request itself ended, as the front end's transport saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The response was read to its end (the stream may still have been cut; see [`Ending`]).
    Finished,
    /// The person pressed Stop.
    Stopped,
    /// The connection failed or dropped, with the browser's or the runtime's words.
    Network(String),
    /// The provider answered with an error status.
    Provider(ProviderError),
}

/// Something the notice offers to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// Open the Model settings (a refused key, an unknown model, a wrong address).
    OpenSettings,
    /// Ask the model for the rest of a reply that was cut.
    Continue,
}

/// What the status line says at the end of a turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// One or two sentences, capitalised: what happened, then what to do.
    pub text: String,
    /// The provider's or the network's own words, shown smaller.
    pub detail: Option<String>,
    /// Whether it went wrong (drawn as an error) or is news (drawn as status).
    pub problem: bool,
    /// What the studio offers next to it.
    pub remedy: Option<Remedy>,
}

impl Notice {
    /// News that is not a problem ("Done.", "Opened …").
    pub fn info(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            detail: None,
            problem: false,
            remedy: None,
        }
    }

    /// A problem, with what to do in `text`.
    pub fn problem(text: impl Into<String>) -> Self {
        Self {
            problem: true,
            ..Self::info(text)
        }
    }

    /// The notice for a provider's error.
    pub fn of_provider(e: &ProviderError) -> Self {
        let remedy = matches!(
            e.kind,
            ErrorKind::BadKey | ErrorKind::ModelNotFound | ErrorKind::EndpointNotFound
        )
        .then_some(Remedy::OpenSettings);
        Self {
            text: format!(
                "{}. {}.",
                capitalised(e.kind.meaning()),
                capitalised(e.kind.advice())
            ),
            detail: Some(raw(e)),
            problem: true,
            remedy,
        }
    }

    /// The whole notice as one line (for a command line, or a test).
    pub fn line(&self) -> String {
        match &self.detail {
            Some(d) => format!("{} ({d})", self.text),
            None => self.text.clone(),
        }
    }
}

/// What to say when a turn ended: `reply_chars` is how many characters of reply arrived.
pub fn turn_notice(delivery: &Delivery, ending: &Ending, reply_chars: usize) -> Notice {
    let kept = "What arrived is kept; Continue asks the model for the rest.";
    let cut = |what: String| Notice {
        text: format!("{what} {kept}"),
        detail: None,
        problem: true,
        remedy: Some(Remedy::Continue),
    };
    match (delivery, ending) {
        (Delivery::Stopped, _) => Notice::info("Stopped. What arrived is kept."),
        (Delivery::Provider(e), _) | (Delivery::Finished, Ending::Provider(e)) => {
            Notice::of_provider(e)
        }
        (Delivery::Network(m), _) if reply_chars == 0 => Notice {
            text: "Could not reach the model. Check the base URL, and that the server allows \
                   this page (CORS)."
                .to_owned(),
            detail: Some(m.clone()),
            problem: true,
            remedy: Some(Remedy::OpenSettings),
        },
        (Delivery::Network(m), _) => Notice {
            detail: Some(m.clone()),
            ..cut(format!(
                "The connection dropped after {} of the reply.",
                characters(reply_chars)
            ))
        },
        (Delivery::Finished, Ending::Complete) => Notice::info("Done."),
        (Delivery::Finished, Ending::Dropped) => cut(format!(
            "The connection dropped after {}, before the reply finished.",
            characters(reply_chars)
        )),
        (Delivery::Finished, Ending::Cut(reason)) => {
            cut(format!("The model stopped early ({reason})."))
        }
        (Delivery::Finished, Ending::Garbled(e)) => Notice {
            text: "The provider's answer could not be read. Check that the provider setting \
                   matches the server."
                .to_owned(),
            detail: Some(e.clone()),
            problem: true,
            remedy: Some(Remedy::OpenSettings),
        },
    }
}

/// Who started a turn. It decides what the automatic-fix budget does and whether a refused
/// edit in the reply is sent back to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The person sent a message (Send, Continue, Fix): the budget is full again.
    Person,
    /// The studio sent the app's errors on its own, within the budget.
    AutoFix,
    /// The studio asked again for a whole artifact after an edit was refused.
    Repair,
}

impl Origin {
    /// What a turn started this way does to the automatic-fix budget.
    pub fn budget(self, budget: &mut AutoFix) {
        if self == Self::Person {
            budget.refill();
        }
    }
}

/// What follows a reply that ended normally but had an edit refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// Send `prompt` (asking for the whole artifact), once, saying `status` meanwhile.
    Ask { prompt: String, status: String },
    /// The repair's own edit was refused too: the studio stops and says so.
    GiveUp(String),
}

/// Whether a turn started by `origin`, whose reply had an edit refused (`repair_prompt`, from
/// `Turn::repair_prompt`), is followed by a repair: once, never for a repair's own refusal.
pub fn repair_after(origin: Origin, repair_prompt: Option<String>) -> Option<Repair> {
    let prompt = repair_prompt?;
    Some(if origin == Origin::Repair {
        Repair::GiveUp(
            "The model's edit did not apply again; the previous version is kept. Ask again in \
             other words, or ask for the whole app."
                .to_owned(),
        )
    } else {
        Repair::Ask {
            prompt,
            status: "The model's edit did not apply; asking it to write the whole artifact again…"
                .to_owned(),
        }
    })
}

/// What the status line says when the app still fails after the automatic fixes allowed.
pub fn auto_fix_spent() -> String {
    format!(
        "The app still shows errors after {AUTO_FIX_LIMIT} automatic fixes; use Fix, or describe \
         the problem."
    )
}

/// What the status line says while a refused request waits `delay` to be sent again; `retry`
/// is the retry about to be made (1 for the first, which is attempt 2 of `max_retries + 1`).
pub fn retrying(
    e: &ProviderError,
    delay: std::time::Duration,
    retry: u32,
    max_retries: u32,
) -> String {
    format!(
        "{e}. Retrying in {:.0} s (attempt {} of {})…",
        delay.as_secs_f64().ceil(),
        retry + 1,
        max_retries + 1
    )
}

/// The notice for settings a turn cannot start with (`SettingsError`'s words).
pub fn bad_settings(e: &impl std::fmt::Display) -> Notice {
    Notice::problem(format!("Check the model settings: {e}."))
}

/// The notice for a provider that needs a key this browser does not have.
pub fn needs_key(provider: &str) -> Notice {
    Notice::problem(format!(
        "Add an API key for {provider} in the Model settings (it stays in this browser), or \
         choose a local model."
    ))
}

fn characters(n: usize) -> String {
    if n == 1 {
        "1 character".to_owned()
    } else {
        format!("{n} characters")
    }
}

/// The provider's own words: status, code and message.
fn raw(e: &ProviderError) -> String {
    let mut out = String::new();
    if let Some(s) = e.status {
        out.push_str(&s.to_string());
    }
    if let Some(c) = &e.code {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(c);
    }
    if !e.message.is_empty() {
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&e.message);
    }
    out
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::StopReason;

    fn bad_key() -> ProviderError {
        ProviderError {
            kind: ErrorKind::BadKey,
            status: Some(401),
            code: Some("invalid_api_key".to_owned()),
            message: "Incorrect API key provided".to_owned(),
            retry_after: None,
        }
    }

    #[test]
    fn each_ending_says_what_happened_and_what_to_do() {
        // (how it was delivered, how it ended, characters received, the notice's opening,
        // whether it is a problem, what it offers)
        type Case = (Delivery, Ending, usize, &'static str, bool, Option<Remedy>);
        let cases: Vec<Case> = vec![
            (
                Delivery::Finished,
                Ending::Complete,
                900,
                "Done.",
                false,
                None,
            ),
            (
                Delivery::Stopped,
                Ending::Dropped,
                10,
                "Stopped. What arrived is kept.",
                false,
                None,
            ),
            (
                Delivery::Provider(bad_key()),
                Ending::Dropped,
                0,
                "The provider refused the API key. Check the key, and that it may use this model.",
                true,
                Some(Remedy::OpenSettings),
            ),
            (
                Delivery::Network("network error".to_owned()),
                Ending::Dropped,
                0,
                "Could not reach the model.",
                true,
                Some(Remedy::OpenSettings),
            ),
            (
                Delivery::Network("network error".to_owned()),
                Ending::Dropped,
                1234,
                "The connection dropped after 1234 characters of the reply. What arrived is kept; Continue",
                true,
                Some(Remedy::Continue),
            ),
            (
                Delivery::Finished,
                Ending::Dropped,
                1,
                "The connection dropped after 1 character, before",
                true,
                Some(Remedy::Continue),
            ),
            (
                Delivery::Finished,
                Ending::Cut(StopReason::MaxTokens),
                50,
                "The model stopped early (",
                true,
                Some(Remedy::Continue),
            ),
            (
                Delivery::Finished,
                Ending::Garbled("not SSE".to_owned()),
                0,
                "The provider's answer could not be read.",
                true,
                Some(Remedy::OpenSettings),
            ),
        ];
        for (delivery, ending, chars, starts, problem, remedy) in cases {
            let n = turn_notice(&delivery, &ending, chars);
            assert!(n.text.starts_with(starts), "{delivery:?} {ending:?}: {n:?}");
            assert_eq!((n.problem, n.remedy), (problem, remedy), "{delivery:?}");
            assert!(n.text.chars().next().is_some_and(char::is_uppercase));
            assert!(!n.text.contains("failed before an answer"));
        }
    }

    #[test]
    fn the_providers_words_are_detail_not_the_message() {
        let n = turn_notice(&Delivery::Finished, &Ending::Provider(bad_key()), 0);
        assert_eq!(
            n.detail.as_deref(),
            Some("401 invalid_api_key: Incorrect API key provided")
        );
        assert!(!n.text.contains("Incorrect"));
        assert!(n.line().contains("401"));
        assert_eq!(Notice::info("Done.").line(), "Done.");
    }

    #[test]
    fn a_refused_edit_is_sent_back_once_and_never_for_a_repair() {
        let asked = Some("write it all".to_owned());
        for origin in [Origin::Person, Origin::AutoFix] {
            match repair_after(origin, asked.clone()) {
                Some(Repair::Ask { prompt, status }) => {
                    assert_eq!(prompt, "write it all");
                    assert!(status.contains("asking it to write the whole artifact"));
                }
                other => panic!("{origin:?}: {other:?}"),
            }
        }
        assert!(matches!(
            repair_after(Origin::Repair, asked),
            Some(Repair::GiveUp(t)) if t.contains("previous version is kept")
        ));
        for origin in [Origin::Person, Origin::AutoFix, Origin::Repair] {
            assert_eq!(repair_after(origin, None), None);
        }
    }

    #[test]
    fn only_the_persons_own_message_refills_the_fix_budget() {
        let spent = || {
            let mut b = AutoFix::default();
            while b.take() {}
            b
        };
        for (origin, refilled) in [
            (Origin::Person, true),
            (Origin::AutoFix, false),
            (Origin::Repair, false),
        ] {
            let mut b = spent();
            origin.budget(&mut b);
            assert_eq!(b.used() == 0, refilled, "{origin:?}");
        }
        assert!(auto_fix_spent().contains(&AUTO_FIX_LIMIT.to_string()));
        let n = needs_key("anthropic");
        assert!(n.problem && n.text.contains("API key for anthropic"));
    }

    #[test]
    fn a_retry_says_why_when_and_which_attempt() {
        let e = ProviderError {
            kind: ErrorKind::RateLimited,
            status: Some(429),
            code: None,
            message: "slow down".to_owned(),
            retry_after: None,
        };
        let line = retrying(&e, std::time::Duration::from_millis(1_200), 1, 4);
        assert!(
            line.ends_with("Retrying in 2 s (attempt 2 of 5)…"),
            "{line}"
        );
        assert!(line.starts_with(&e.to_string()), "{line}");
        let n = bad_settings(&"no model is set");
        assert!(n.problem && n.text == "Check the model settings: no model is set.");
    }
}
