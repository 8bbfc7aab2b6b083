//! `/api/run`'s queue: a few programs run at once and a bounded number wait, and whenever a
//! slot frees or the queue is full, the client served longest ago goes first. Under sustained
//! overload every client that keeps asking gets runs in turn, instead of whoever happens to
//! arrive as a slot frees (a first-come queue let one client of 32 go 41 s without a run).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

/// Why a request got no slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// The queue was full of clients with a better claim.
    Full,
    /// It waited as long as a request may.
    Waited,
}

pub(super) struct FairQueue {
    slots: usize,
    capacity: usize,
    max_wait: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    running: usize,
    next_id: u64,
    waiting: Vec<Waiter>,
    /// When each client last got a slot; clients not in it rank first.
    last_served: HashMap<String, Instant>,
}

struct Waiter {
    id: u64,
    client: String,
    /// `true`: the slot is yours; `false`: you were put out of the queue.
    answer: oneshot::Sender<bool>,
}

/// Clients remembered at most; past it, those not served for `FORGET_AFTER` are forgotten.
const REMEMBERED: usize = 10_000;
/// Places one client may hold in the queue at once: a few tabs or people behind one address,
/// not the whole queue.
const PLACES_PER_CLIENT: usize = 4;
const FORGET_AFTER: Duration = Duration::from_secs(600);

impl State {
    fn claim(&self, client: &str) -> Option<Instant> {
        self.last_served.get(client).copied()
    }

    fn served(&mut self, client: &str) {
        let now = Instant::now();
        if self.last_served.len() >= REMEMBERED {
            self.last_served
                .retain(|_, at| now.duration_since(*at) < FORGET_AFTER);
            // Still full of recent clients: forget them all rather than scan the table on
            // every grant. Everyone then ranks alike until served again.
            if self.last_served.len() >= REMEMBERED {
                self.last_served.clear();
            }
        }
        self.last_served.insert(client.to_owned(), now);
    }

    /// Hands a freed slot to the waiter with the best claim (served longest ago, then first
    /// come); a waiter that went away is skipped.
    fn release(&mut self) {
        self.running = self.running.saturating_sub(1);
        while !self.waiting.is_empty() {
            let best = (0..self.waiting.len())
                .min_by_key(|&i| {
                    let w = &self.waiting[i];
                    (self.claim(&w.client), w.id)
                })
                .unwrap_or(0);
            let waiter = self.waiting.remove(best);
            if waiter.answer.send(true).is_ok() {
                self.running += 1;
                self.served(&waiter.client);
                return;
            }
        }
    }
}

/// A running program's slot, given back when dropped.
pub(super) struct Slot {
    queue: Arc<FairQueue>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.queue.lock().release();
    }
}

/// A place in the queue: taken out of it if the request goes away while waiting, and the slot
/// given back if one was granted that nobody took.
struct Place {
    queue: Arc<FairQueue>,
    id: u64,
    answer: Option<oneshot::Receiver<bool>>,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut state = self.queue.lock();
        if let Some(i) = state.waiting.iter().position(|w| w.id == self.id) {
            state.waiting.remove(i);
        } else if let Some(mut answer) = self.answer.take()
            && answer.try_recv() == Ok(true)
        {
            state.release();
        }
    }
}

impl FairQueue {
    pub(super) fn new(slots: usize, capacity: usize, max_wait: Duration) -> Arc<Self> {
        Arc::new(Self {
            slots,
            capacity,
            max_wait,
            state: Mutex::new(State::default()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent between statements, so a panic elsewhere leaves it usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a slot for `client` (its address).
    pub(super) async fn enter(self: &Arc<Self>, client: &str) -> Result<Slot, Refusal> {
        let (tx, rx) = oneshot::channel();
        let id = {
            let mut state = self.lock();
            if state.running < self.slots && state.waiting.is_empty() {
                state.running += 1;
                state.served(client);
                return Ok(Slot {
                    queue: Arc::clone(self),
                });
            }
            if state.waiting.iter().filter(|w| w.client == client).count() >= PLACES_PER_CLIENT {
                return Err(Refusal::Full);
            }
            if state.waiting.len() >= self.capacity {
                // Put out the waiter with the weakest claim, if this client's is better.
                let mine = state.claim(client);
                let weakest = (0..state.waiting.len()).max_by_key(|&i| {
                    let w = &state.waiting[i];
                    (state.claim(&w.client), w.id)
                });
                match weakest {
                    Some(i) if mine < state.claim(&state.waiting[i].client) => {
                        let out = state.waiting.remove(i);
                        let _ = out.answer.send(false);
                    }
                    _ => return Err(Refusal::Full),
                }
            }
            let id = state.next_id;
            state.next_id += 1;
            state.waiting.push(Waiter {
                id,
                client: client.to_owned(),
                answer: tx,
            });
            id
        };
        let mut place = Place {
            queue: Arc::clone(self),
            id,
            answer: Some(rx),
        };
        let answer = match place.answer.as_mut() {
            Some(rx) => tokio::time::timeout(self.max_wait, rx).await,
            None => return Err(Refusal::Full),
        };
        match answer {
            Ok(Ok(true)) => {
                // The slot is taken here; `Place` must not give it back.
                place.answer = None;
                Ok(Slot {
                    queue: Arc::clone(self),
                })
            }
            Ok(_) => Err(Refusal::Full),
            // Dropping `place` leaves the queue, or gives back a slot granted just now.
            Err(_) => Err(Refusal::Waited),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: Duration = Duration::from_secs(30);

    fn running(q: &FairQueue) -> usize {
        q.lock().running
    }

    #[tokio::test]
    async fn slots_run_at_once_and_a_waiter_gets_the_next_free_one() {
        let q = FairQueue::new(2, 4, LONG);
        let a = q.enter("a").await.unwrap();
        let _b = q.enter("b").await.unwrap();
        assert_eq!(running(&q), 2);
        let waiting = tokio::spawn({
            let q = Arc::clone(&q);
            async move { q.enter("c").await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(q.lock().waiting.len(), 1);
        drop(a);
        assert_eq!(waiting.await.unwrap(), Ok(()));
        // c's slot was dropped with its task: only b's is left.
        assert_eq!(running(&q), 1);
    }

    #[tokio::test]
    async fn the_client_served_longest_ago_goes_first() {
        let q = FairQueue::new(1, 8, LONG);
        // "old" was served, then "recent"; "new" never was.
        drop(q.enter("old").await.unwrap());
        tokio::time::sleep(Duration::from_millis(5)).await;
        drop(q.enter("recent").await.unwrap());
        let slot = q.enter("holder").await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        // They arrive in the worst order for them: most recently served first.
        for client in ["recent", "old", "new"] {
            let (q, order) = (Arc::clone(&q), Arc::clone(&order));
            tasks.push(tokio::spawn(async move {
                let slot = q.enter(client).await.unwrap();
                order.lock().unwrap().push(client);
                tokio::time::sleep(Duration::from_millis(10)).await;
                drop(slot);
            }));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        drop(slot);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["new", "old", "recent"]);
        assert_eq!(running(&q), 0);
    }

    #[tokio::test]
    async fn a_full_queue_puts_out_the_weakest_claim_or_refuses() {
        let q = FairQueue::new(1, 1, LONG);
        drop(q.enter("served").await.unwrap());
        let _slot = q.enter("holder").await.unwrap();
        let first = tokio::spawn({
            let q = Arc::clone(&q);
            async move { q.enter("served").await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        // A client that was never served has the better claim: it takes the place.
        let second = tokio::spawn({
            let q = Arc::clone(&q);
            async move { q.enter("never").await.map(|_| ()) }
        });
        assert_eq!(first.await.unwrap(), Err(Refusal::Full));
        tokio::time::sleep(Duration::from_millis(50)).await;
        // The holder itself (served just now) does not.
        assert_eq!(q.enter("holder").await.err(), Some(Refusal::Full));
        assert_eq!(q.lock().waiting.len(), 1);
        second.abort();
    }

    #[tokio::test]
    async fn a_slot_granted_as_its_waiter_gave_up_is_given_back() {
        let q = FairQueue::new(1, 4, LONG);
        let slot = q.enter("a").await.unwrap();
        let (tx, rx) = oneshot::channel();
        q.lock().waiting.push(Waiter {
            id: 99,
            client: "b".to_owned(),
            answer: tx,
        });
        let place = Place {
            queue: Arc::clone(&q),
            id: 99,
            answer: Some(rx),
        };
        // The slot passes to b's place, whose request is gone before it takes it.
        drop(slot);
        assert_eq!(running(&q), 1);
        drop(place);
        assert_eq!(running(&q), 0);
        assert!(q.lock().waiting.is_empty());
    }

    #[tokio::test]
    async fn one_client_holds_at_most_a_few_places() {
        let q = FairQueue::new(1, 16, LONG);
        let _slot = q.enter("x").await.unwrap();
        let mut waiting = Vec::new();
        for _ in 0..PLACES_PER_CLIENT {
            let q = Arc::clone(&q);
            waiting.push(tokio::spawn(
                async move { q.enter("many").await.map(|_| ()) },
            ));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(q.lock().waiting.len(), PLACES_PER_CLIENT);
        assert_eq!(q.enter("many").await.err(), Some(Refusal::Full));
        for w in waiting {
            w.abort();
        }
    }

    #[tokio::test]
    async fn a_waiter_that_waited_too_long_or_went_away_leaves_no_trace() {
        let q = FairQueue::new(1, 4, Duration::from_millis(100));
        let slot = q.enter("a").await.unwrap();
        assert_eq!(q.enter("b").await.err(), Some(Refusal::Waited));
        assert!(q.lock().waiting.is_empty());
        let gone = tokio::spawn({
            let q = Arc::clone(&q);
            async move { q.enter("c").await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        gone.abort();
        let _ = gone.await;
        assert!(q.lock().waiting.is_empty());
        drop(slot);
        assert_eq!(running(&q), 0);
        // The freed slot is there for the next client at once.
        let _d = q.enter("d").await.unwrap();
        assert_eq!(running(&q), 1);
    }
}
