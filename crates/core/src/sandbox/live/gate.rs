//! Whether an app's model call may go: the person's answer, the token budget of the session,
//! the pace of calls, and what a call may carry.

use serde::{Deserialize, Serialize};

use crate::provider::{ChatRequest, Message, Role, Usage};

use super::{
    CALL_BURST, CALLS_PER_MINUTE, CallError, DEFAULT_BUDGET_TOKENS, DEFAULT_MAX_TOKENS,
    MAX_BUDGET_TOKENS, MAX_IN_FLIGHT, MAX_MESSAGES, MAX_PROMPT_BYTES, MAX_TOKENS_CAP, MAX_WAITING,
};
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub messages: Vec<Message>,
    pub system: String,
    /// The reply length asked for, before the budget trims it.
    pub max_tokens: u32,
    /// Whether the app wants the text as it comes.
    pub stream: bool,
}

/// A rough token count of `text` (four bytes a token, as providers' English averages go),
/// used before a provider has said: for the budget's reservation, and when it never says.
pub fn estimate_tokens(text: &str) -> u64 {
    (text.len() as u64).div_ceil(4)
}

impl Ask {
    /// Checks a `kiln.complete` call.
    pub fn check(
        prompt: Option<String>,
        messages: Option<Vec<Message>>,
        system: Option<String>,
        max_tokens: Option<u32>,
        stream: bool,
    ) -> Result<Self, CallError> {
        let messages = match (prompt, messages) {
            (Some(p), None) => vec![Message::user(p)],
            (None, Some(m)) => m,
            (None, None) => return Err(CallError::Invalid("give a prompt or messages")),
            (Some(_), Some(_)) => {
                return Err(CallError::Invalid("give a prompt or messages, not both"));
            }
        };
        let system = system.unwrap_or_default();
        let bytes = system.len() + messages.iter().map(|m| m.content.len()).sum::<usize>();
        if bytes > MAX_PROMPT_BYTES {
            return Err(CallError::TooLarge(bytes));
        }
        if messages.len() > MAX_MESSAGES {
            return Err(CallError::Invalid("at most 100 messages"));
        }
        if messages.last().is_none_or(|m| m.role != Role::User) {
            return Err(CallError::Invalid("the last message must be the user's"));
        }
        if messages.iter().all(|m| m.content.trim().is_empty()) {
            return Err(CallError::Invalid("the prompt is empty"));
        }
        let max_tokens = match max_tokens {
            None => DEFAULT_MAX_TOKENS,
            Some(0) => return Err(CallError::Invalid("max_tokens must be at least 1")),
            Some(n) => n.min(MAX_TOKENS_CAP),
        };
        Ok(Self {
            messages,
            system,
            max_tokens,
            stream,
        })
    }

    /// Tokens the input will take, estimated.
    pub fn input_tokens(&self) -> u64 {
        estimate_tokens(&self.system)
            + self
                .messages
                .iter()
                .map(|m| estimate_tokens(&m.content) + 4)
                .sum::<u64>()
    }

    /// The request for `model`, with the reply cut to `max_tokens` (what the budget allowed).
    /// Only what the app sent: no Kiln system prompt, no conversation.
    pub fn chat(&self, model: &str, max_tokens: u32) -> ChatRequest {
        ChatRequest {
            model: model.trim().to_owned(),
            system: self.system.clone(),
            messages: self.messages.clone(),
            max_tokens,
            temperature: None,
        }
    }
}

/// What a finished call cost: the provider's counts where it gave them, else estimates.
pub fn tokens_spent(ask: &Ask, usage: Usage, reply: &str) -> u64 {
    usage.input_tokens.unwrap_or_else(|| ask.input_tokens())
        + usage
            .output_tokens
            .unwrap_or_else(|| estimate_tokens(reply))
}

/// An app's tokens for one session: spent, and held by calls still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    limit: u64,
    used: u64,
    held: u64,
}

/// What the budget let a call do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admitted {
    /// The reply length to ask for: what the app asked, trimmed to what is left.
    pub max_tokens: u32,
    /// Tokens held while the call runs; give them back with [`Budget::settle`].
    pub held: u64,
}

impl Budget {
    pub fn new(limit: u64) -> Self {
        Self {
            limit,
            used: 0,
            held: 0,
        }
    }

    /// Tokens spent.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Tokens allowed in all.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Sets a new limit (the person gave more, or less); what was spent stays spent.
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
    }

    /// Reserves room for `ask`: its input and at least one token of reply must fit in what is
    /// left, and the reply is trimmed to the rest.
    pub fn admit(&mut self, ask: &Ask) -> Result<Admitted, CallError> {
        let left = self.limit.saturating_sub(self.used + self.held);
        let input = ask.input_tokens();
        if left <= input {
            return Err(CallError::Budget {
                used: self.used + self.held,
                limit: self.limit,
            });
        }
        let reply = (left - input).min(u64::from(ask.max_tokens));
        let max_tokens = u32::try_from(reply).unwrap_or(ask.max_tokens);
        let held = input + reply;
        self.held += held;
        Ok(Admitted { max_tokens, held })
    }

    /// A call that held `held` ended having cost `spent`.
    pub fn settle(&mut self, held: u64, spent: u64) {
        self.held = self.held.saturating_sub(held);
        self.used = self.used.saturating_add(spent);
    }
}

/// How often calls may start: a bucket of `burst` refilled at `per_minute` (for model calls,
/// [`CALL_BURST`] and [`CALLS_PER_MINUTE`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    tokens: f64,
    at_ms: f64,
    burst: u32,
    per_minute: u32,
}

impl Pace {
    /// The pace of an app's model calls.
    pub fn new(now_ms: f64) -> Self {
        Self::with_rate(CALL_BURST, CALLS_PER_MINUTE, now_ms)
    }

    /// A pace of `burst` at once, then `per_minute`.
    pub fn with_rate(burst: u32, per_minute: u32, now_ms: f64) -> Self {
        Self {
            tokens: f64::from(burst),
            at_ms: now_ms,
            burst,
            per_minute: per_minute.max(1),
        }
    }

    /// Takes one start, or says how long until one is free.
    pub fn take(&mut self, now_ms: f64) -> Result<(), u32> {
        let per_ms = f64::from(self.per_minute) / 60_000.0;
        let elapsed = (now_ms - self.at_ms).max(0.0);
        self.tokens = (self.tokens + elapsed * per_ms).min(f64::from(self.burst));
        self.at_ms = now_ms;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - self.tokens) / per_ms).ceil() as u32)
        }
    }
}

/// How long the person's yes lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Allow {
    /// The calls waiting now, and no more.
    Once,
    /// Until this page is closed or reloaded.
    Session,
    /// Every session, for this app in this browser (kept with its other consent).
    Always,
}

/// What the person allowed an app to spend of their model, kept with its consent when the
/// person chose [`Allow::Always`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelGrant {
    /// Tokens per session.
    pub budget_tokens: u32,
}

/// What happens to a model call now.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Ask the person first (the call waits, in the gate).
    Wait,
    /// Send it, within this.
    Go(Admitted),
    /// Answer the app with this failure.
    Refuse(CallError),
}

/// One app's model calls in this session: whether the person allowed them, the budget, the
/// pace, the calls running and those waiting for the person's answer (tagged by the caller,
/// which knows which run and which call of the app each is).
#[derive(Debug, Clone)]
pub struct Gate<T> {
    allowed: Option<Allow>,
    budget: Budget,
    pace: Pace,
    running: usize,
    waiting: Vec<(T, Ask)>,
}

impl<T> Gate<T> {
    /// The gate of an app that `kept` says the person always allows (or not).
    pub fn new(kept: Option<ModelGrant>, now_ms: f64) -> Self {
        Self {
            allowed: kept.map(|_| Allow::Always),
            budget: Budget::new(u64::from(
                kept.map_or(DEFAULT_BUDGET_TOKENS, |g| g.budget_tokens),
            )),
            pace: Pace::new(now_ms),
            running: 0,
            waiting: Vec::new(),
        }
    }

    /// What to do with a new call.
    pub fn call(&mut self, tag: T, ask: Ask, now_ms: f64) -> Verdict {
        if self.allowed.is_none() {
            if self.waiting.len() >= MAX_WAITING {
                return Verdict::Refuse(CallError::Busy);
            }
            self.waiting.push((tag, ask));
            return Verdict::Wait;
        }
        self.start(&ask, now_ms)
    }

    fn start(&mut self, ask: &Ask, now_ms: f64) -> Verdict {
        if self.running >= MAX_IN_FLIGHT {
            return Verdict::Refuse(CallError::Busy);
        }
        // The budget first: a call it refuses does not use up the pace.
        let admitted = match self.budget.admit(ask) {
            Ok(a) => a,
            Err(e) => return Verdict::Refuse(e),
        };
        if let Err(wait) = self.pace.take(now_ms) {
            self.budget.settle(admitted.held, 0);
            return Verdict::Refuse(CallError::RateLimited(wait));
        }
        self.running += 1;
        Verdict::Go(admitted)
    }

    /// The person answered (`None`: no) with a budget of `budget_tokens` per session; each
    /// waiting call with what to do with it now.
    pub fn answer(
        &mut self,
        allow: Option<Allow>,
        budget_tokens: u32,
        now_ms: f64,
    ) -> Vec<(T, Ask, Verdict)> {
        let waiting = std::mem::take(&mut self.waiting);
        let Some(allow) = allow else {
            return waiting
                .into_iter()
                .map(|(t, a)| (t, a, Verdict::Refuse(CallError::Denied)))
                .collect();
        };
        self.budget
            .set_limit(u64::from(budget_tokens.clamp(1, MAX_BUDGET_TOKENS)));
        self.allowed = Some(allow);
        let out = waiting
            .into_iter()
            .map(|(t, a)| {
                let v = self.start(&a, now_ms);
                (t, a, v)
            })
            .collect();
        if allow == Allow::Once {
            self.allowed = None;
        }
        out
    }

    /// A running call ended: it held `held` and cost `spent`.
    pub fn finished(&mut self, held: u64, spent: u64) {
        self.running = self.running.saturating_sub(1);
        self.budget.settle(held, spent);
    }

    /// The person took back their yes: the waiting calls, to refuse. (Running calls are the
    /// caller's to cancel; they end through [`Gate::finished`].)
    pub fn revoke(&mut self) -> Vec<(T, Ask)> {
        self.allowed = None;
        std::mem::take(&mut self.waiting)
    }

    /// Drops the waiting calls `gone` says are gone (their frame went away).
    pub fn forget(&mut self, gone: impl Fn(&T) -> bool) {
        self.waiting.retain(|(t, _)| !gone(t));
    }

    /// Whether calls wait for the person's answer.
    pub fn asking(&self) -> bool {
        !self.waiting.is_empty()
    }

    /// Whether the person's yes holds now (for the session or always).
    pub fn allowed(&self) -> Option<Allow> {
        self.allowed
    }

    /// Calls running now.
    pub fn running(&self) -> usize {
        self.running
    }

    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// Gives the app a new budget for this session (what is spent stays spent).
    pub fn set_budget(&mut self, tokens: u32) {
        self.budget
            .set_limit(u64::from(tokens.clamp(1, MAX_BUDGET_TOKENS)));
    }
}

/// The Console's line for a finished model call: its number, what came of it, what it cost
/// and how long it took.
#[cfg(test)]
mod tests {
    use super::*;

    fn ask(prompt: &str, max: Option<u32>) -> Ask {
        Ask::check(Some(prompt.to_owned()), None, None, max, false).unwrap()
    }

    #[test]
    fn a_call_is_checked_before_it_costs_anything() {
        let check = |p: Option<&str>, m: Option<Vec<Message>>, max| {
            Ask::check(p.map(str::to_owned), m, None, max, false)
        };
        assert_eq!(
            check(None, None, None),
            Err(CallError::Invalid("give a prompt or messages"))
        );
        assert!(check(Some("a"), Some(vec![Message::user("b")]), None).is_err());
        assert!(check(Some("  "), None, None).is_err());
        assert!(check(Some("a"), None, Some(0)).is_err());
        assert_eq!(
            check(None, Some(vec![Message::assistant("b")]), None),
            Err(CallError::Invalid("the last message must be the user's"))
        );
        let many = vec![Message::user("x"); MAX_MESSAGES + 1];
        assert!(check(None, Some(many), None).is_err());
        let huge = "x".repeat(MAX_PROMPT_BYTES + 1);
        assert_eq!(
            check(Some(&huge), None, None),
            Err(CallError::TooLarge(MAX_PROMPT_BYTES + 1))
        );
        assert_eq!(ask("a", None).max_tokens, DEFAULT_MAX_TOKENS);
        assert_eq!(ask("a", Some(1_000_000)).max_tokens, MAX_TOKENS_CAP);
        // Only what the app sent goes out.
        let chat = ask("hello", None).chat(" m1 ", 10);
        assert_eq!(
            (chat.model.as_str(), chat.system.as_str(), chat.max_tokens),
            ("m1", "", 10)
        );
        assert_eq!(chat.messages, [Message::user("hello")]);
    }

    #[test]
    fn the_budget_trims_replies_to_what_is_left_and_refuses_past_it() {
        let mut b = Budget::new(100);
        let small = ask("abcd", Some(50)); // 1 + 4 tokens of input
        let a = b.admit(&small).unwrap();
        assert_eq!((a.max_tokens, a.held), (50, 55));
        // The next call gets only what the first did not hold.
        let b2 = b.admit(&small).unwrap();
        assert_eq!(b2.max_tokens, 40);
        assert!(matches!(
            b.admit(&small),
            Err(CallError::Budget {
                used: 100,
                limit: 100
            })
        ));
        // Settling gives back what was held and not spent.
        b.settle(a.held, 20);
        b.settle(b2.held, 10);
        assert_eq!(b.used(), 30);
        assert_eq!(b.admit(&small).unwrap().max_tokens, 50);
        // An input larger than what is left is refused outright.
        let mut tight = Budget::new(10);
        assert!(tight.admit(&ask(&"x".repeat(100), None)).is_err());
    }

    #[test]
    fn spent_tokens_are_the_providers_counts_or_estimates() {
        let a = ask("abcdefgh", None); // 2 + 4
        let usage = Usage {
            input_tokens: Some(12),
            output_tokens: None,
        };
        assert_eq!(tokens_spent(&a, usage, "12345"), 12 + 2);
        assert_eq!(tokens_spent(&a, Usage::default(), ""), 6);
    }

    #[test]
    fn the_pace_allows_a_burst_then_one_call_every_three_seconds() {
        let mut p = Pace::new(0.0);
        for _ in 0..CALL_BURST {
            assert_eq!(p.take(0.0), Ok(()));
        }
        let wait = p.take(0.0).unwrap_err();
        assert_eq!(wait, 3_000);
        assert!(p.take(2_000.0).is_err());
        assert_eq!(p.take(3_001.0), Ok(()));
        // Another rate: 2 at once, then one a second.
        let mut q = Pace::with_rate(2, 60, 0.0);
        assert_eq!((q.take(0.0), q.take(0.0)), (Ok(()), Ok(())));
        assert_eq!(q.take(0.0), Err(1_000));
    }

    #[test]
    fn calls_wait_for_the_person_and_follow_the_answer() {
        let mut g: Gate<u32> = Gate::new(None, 0.0);
        assert_eq!(g.call(1, ask("a", None), 0.0), Verdict::Wait);
        assert_eq!(g.call(2, ask("b", None), 0.0), Verdict::Wait);
        assert!(g.asking());
        // No: every waiting call is refused, and the next asks again.
        let out = g.answer(None, 0, 0.0);
        assert!(
            out.iter()
                .all(|(_, _, v)| *v == Verdict::Refuse(CallError::Denied))
        );
        assert_eq!(g.call(3, ask("c", None), 0.0), Verdict::Wait);
        // Once: the waiting calls go, the next one asks again.
        let out = g.answer(Some(Allow::Once), 5_000, 0.0);
        assert!(matches!(out[0].2, Verdict::Go(_)));
        assert_eq!(g.budget().limit(), 5_000);
        assert_eq!(g.call(4, ask("d", None), 0.0), Verdict::Wait);
        // For the session: later calls go at once.
        g.answer(Some(Allow::Session), 5_000, 0.0);
        assert!(matches!(g.call(5, ask("e", None), 0.0), Verdict::Go(_)));
        // A flood while waiting is bounded.
        let mut w: Gate<u32> = Gate::new(None, 0.0);
        for i in 0..MAX_WAITING as u32 {
            assert_eq!(w.call(i, ask("x", None), 0.0), Verdict::Wait);
        }
        assert_eq!(
            w.call(99, ask("x", None), 0.0),
            Verdict::Refuse(CallError::Busy)
        );
        w.forget(|t| *t < 4);
        assert_eq!(w.revoke().len(), MAX_WAITING - 4);
    }

    #[test]
    fn an_allowed_app_is_still_bounded_in_flight_pace_and_budget() {
        let kept = ModelGrant { budget_tokens: 65 };
        let mut g: Gate<()> = Gate::new(Some(kept), 0.0);
        assert_eq!(g.allowed(), Some(Allow::Always));
        let mut held = Vec::new();
        for _ in 0..MAX_IN_FLIGHT {
            match g.call((), ask("a", Some(5)), 0.0) {
                Verdict::Go(a) => held.push(a.held),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(g.running(), MAX_IN_FLIGHT);
        assert_eq!(
            g.call((), ask("a", Some(5)), 0.0),
            Verdict::Refuse(CallError::Busy)
        );
        for h in held {
            g.finished(h, 10);
        }
        assert_eq!(g.budget().used(), 40);
        // Four of the burst of five are spent; the fifth starts, the sixth waits its turn.
        assert!(matches!(g.call((), ask("a", Some(5)), 0.0), Verdict::Go(_)));
        assert!(matches!(
            g.call((), ask("a", Some(5)), 0.0),
            Verdict::Refuse(CallError::RateLimited(_))
        ));
        g.finished(10, 10);
        // The person lowers the budget to just past what was spent: the next call cannot fit.
        g.set_budget(55);
        assert!(matches!(
            g.call((), ask("abcd", Some(5)), 10_000.0),
            Verdict::Refuse(CallError::Budget { .. })
        ));
        g.set_budget(1_000);
        assert!(matches!(
            g.call((), ask("abcd", Some(5)), 20_000.0),
            Verdict::Go(_)
        ));
        assert!(g.revoke().is_empty());
        assert_eq!(g.allowed(), None);
    }
}
