//! The event queue: a min-heap ordered by `(time, sequence)`, so events at the same instant come
//! out in the order they were scheduled and a run never depends on heap internals.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::SimTime;

struct Entry<E> {
    at: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed so that `BinaryHeap` (a max-heap) yields the earliest entry first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// Pending events of type `E`, earliest first, ties broken by scheduling order.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue; sequence numbers start at zero, so ties keep their push order.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
            popped: 0,
        }
    }

    /// An empty queue with room for `n` pending events: a run's queue reaches a few dozen
    /// early (a pod's readiness per pod created), and grown from empty it was copied at each
    /// doubling on the way.
    pub fn with_capacity(n: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(n),
            next_seq: 0,
            popped: 0,
        }
    }

    /// Schedules `event` at `at`, after every event already pushed for the same instant.
    pub fn push(&mut self, at: SimTime, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { at, seq, event });
    }

    /// The time of the earliest pending event.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.at)
    }

    /// Removes and returns the earliest event if it is due at or before `now`.
    pub fn pop_due(&mut self, now: SimTime) -> Option<(SimTime, E)> {
        if self.heap.peek()?.at <= now {
            self.popped += 1;
            self.heap.pop().map(|e| (e.at, e.event))
        } else {
            None
        }
    }

    /// How many events have been popped so far (the events a run processed).
    pub fn popped(&self) -> u64 {
        self.popped
    }

    /// How many events are still pending.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is pending: the run has nothing left to do but wait.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_then_fifo() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), "b");
        q.push(SimTime(1), "a");
        q.push(SimTime(5), "c");
        q.push(SimTime(9), "d");
        assert_eq!(q.peek_time(), Some(SimTime(1)));
        assert_eq!(q.pop_due(SimTime(5)), Some((SimTime(1), "a")));
        assert_eq!(q.pop_due(SimTime(5)), Some((SimTime(5), "b")));
        assert_eq!(q.pop_due(SimTime(5)), Some((SimTime(5), "c")));
        assert_eq!(q.pop_due(SimTime(5)), None);
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn counts_popped_events() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), 'a');
        q.push(SimTime(1), 'b');
        assert_eq!(q.pop_due(SimTime(0)), None);
        assert_eq!(q.pop_due(SimTime(9)), Some((SimTime(1), 'b')));
        assert_eq!(q.popped(), 1);
        q.pop_due(SimTime(9));
        q.pop_due(SimTime(9));
        assert_eq!(q.popped(), 2);
    }
}
