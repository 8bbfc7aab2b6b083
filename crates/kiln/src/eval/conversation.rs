//! The model side of `kiln eval`: one case's conversation, sent and streamed as the studio
//! sends it, and kept as turn records.

use std::collections::VecDeque;
use std::io::Read as _;
use std::time::Instant;

use anyhow::{Result, anyhow};
use kiln_core::eval::{Case, TurnRecord};
use kiln_core::extract::MAX_REPLY_BYTES;
use kiln_core::prompt::Prompt;
use kiln_core::provider::{Endpoint, Protocol, RetryPolicy};
use kiln_core::session::{Ending, ModelSettings, Session};

use super::Options;
use crate::http_client::Client;
use crate::model::{Key, send_retrying};

/// The model side: where to send, with which key.
pub(super) struct Model {
    endpoint: Endpoint,
    settings: ModelSettings,
    key: Key,
    client: Client,
    policy: RetryPolicy,
}

impl Model {
    pub(super) fn new(opts: &Options) -> Result<Self> {
        let provider = opts
            .provider
            .ok_or_else(|| anyhow!("name a provider with --provider"))?;
        let protocol = Protocol::from(provider);
        Ok(Self {
            endpoint: opts.model.endpoint(protocol)?,
            settings: opts.model.settings(protocol)?,
            key: opts.model.key(protocol)?,
            client: Client::new(),
            policy: RetryPolicy::default(),
        })
    }

    /// What the studio in the eval's browser uses for apps that call the model
    /// (`kiln.complete`): these settings and this key, as the studio keeps them.
    pub(super) fn studio(&self) -> super::browser::StudioModel {
        super::browser::StudioModel {
            settings: serde_json::to_string(&self.settings).unwrap_or_default(),
            key_name: format!("kiln.key.{}", self.settings.provider),
            key: self.key.expose().unwrap_or_default().to_owned(),
        }
    }

    pub(super) fn label(&self) -> String {
        format!("{}/{}", self.settings.provider, self.settings.model)
    }

    /// The conversation of one case: its prompt, its follow-ups, and Kiln's one automatic
    /// "your edit was not applied" message after a refused edit, as the studio sends it.
    pub(super) fn converse(&self, case: &Case) -> (Vec<TurnRecord>, Option<String>) {
        let mut session = Session::new();
        let mut turns = Vec::new();
        let mut queue: VecDeque<(String, bool)> = std::iter::once(case.prompt.clone())
            .chain(case.follow_ups.iter().cloned())
            .map(|p| (p, false))
            .collect();
        let mut repaired = false;
        while let Some((text, automatic)) = queue.pop_front() {
            let (record, turn, error) = match self.turn(&session, &text) {
                Ok(t) => t,
                Err(e) => return (turns, Some(format!("{e:#}"))),
            };
            let complete = record.ending == Ending::Complete.describe();
            let repair = turn.repair_prompt();
            turns.push(TurnRecord {
                automatic,
                ..record
            });
            session.commit(turn);
            if let Some(e) = error {
                return (turns, Some(e));
            }
            if let Some(repair) = repair.filter(|_| complete && !repaired) {
                repaired = true;
                queue.push_front((repair, true));
            }
        }
        (turns, None)
    }

    /// One message and its streamed reply. The error, if any, ends the case (after its
    /// partial reply is kept).
    fn turn(
        &self,
        session: &Session,
        text: &str,
    ) -> Result<(TurnRecord, kiln_core::session::Turn, Option<String>)> {
        let prompt = Prompt::parse(text).map_err(|e| anyhow!(e))?;
        let mut turn = session
            .begin(&self.settings, &prompt)
            .map_err(|e| anyhow!(e))?;
        let start = Instant::now();
        let response = send_retrying(
            &self.client,
            &self.endpoint,
            turn.request(),
            &self.key,
            &self.policy,
            &self.settings.model,
        )?;
        let mut body = response.body;
        let mut buf = vec![0u8; 16 * 1024];
        let mut first_text = None;
        let mut read_error = None;
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    read_error = Some(e.to_string());
                    break;
                }
            };
            let update = turn.feed(buf.get(..n).unwrap_or_default());
            if update.text_chars > 0 {
                first_text.get_or_insert_with(|| start.elapsed());
            }
            if update.failed || turn.reply().len() > MAX_REPLY_BYTES {
                break;
            }
        }
        let ending = turn.finish();
        let usage = turn.usage();
        let error = match &ending {
            Ending::Complete | Ending::Cut(_) => None,
            Ending::Dropped => Some(match read_error {
                Some(e) => format!("the connection dropped: {e}"),
                None => ending.describe(),
            }),
            other => Some(self.key.scrub(&other.describe())),
        };
        Ok((
            TurnRecord {
                prompt: prompt.as_str().to_owned(),
                reply: turn.reply().to_owned(),
                ending: self.key.scrub(&ending.describe()),
                input_tokens: usage.input_tokens,
                output_tokens: usage.output_tokens,
                latency_ms: start.elapsed().as_millis() as u64,
                first_text_ms: first_text.map(|d| d.as_millis() as u64),
                automatic: false,
            },
            turn,
            error,
        ))
    }
}
