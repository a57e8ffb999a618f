//! The in-place writer's memory of the last node it located: the mapping
//! entries on the way to it, kept valid across splices, so that the next
//! operation (most often on a sibling) starts from their common ancestor
//! instead of the document's root. It only remembers and forgets; it must
//! not interpret text.
//!
//! Only mapping entries are remembered: an entry is named by its key, which
//! a splice elsewhere cannot change, while a list item is named by its
//! position, which an insertion before it shifts. A remembered node is
//! forgotten (with every node under it) when a splice touches its key line
//! or its last line, or starts on the line right after it (an append could
//! belong to it or to what follows); a splice before it shifts it, one
//! inside it moves its end. A stale node could only send an edit to the
//! wrong place, which the read-back check refuses; it never changes what is
//! written.

use super::layout::Style;
use super::text::Node;

/// One step of a located path: the node after its token, and the style and
/// whether a sequence was seen on the way, as `ops::locate` carries them.
#[derive(Debug, Clone)]
pub(super) struct Step {
    pub token: String,
    pub node: Node,
    pub st: Style,
    pub seq_seen: bool,
}

#[derive(Debug, Default)]
pub(super) struct Memo {
    steps: Vec<Step>,
}

impl Memo {
    /// The steps of `tokens` remembered, in order (forgetting the others).
    pub fn resume(&mut self, tokens: &[String]) -> &[Step] {
        let k = self
            .steps
            .iter()
            .zip(tokens)
            .take_while(|(s, t)| &s.token == *t)
            .count();
        self.steps.truncate(k);
        &self.steps
    }

    /// Remember the next step (the caller resumed from every step before it).
    pub fn record(&mut self, step: Step) {
        self.steps.push(step);
    }

    /// Old lines `lo..hi` of the text became `new` lines.
    pub fn spliced(&mut self, lo: usize, hi: usize, new: usize) {
        let d = new as isize - (hi - lo) as isize;
        let shift = |n: usize| n.wrapping_add_signed(d);
        for (i, s) in self.steps.iter_mut().enumerate() {
            let n = &mut s.node;
            if lo > n.end {
                continue;
            }
            if hi <= n.line {
                (n.line, n.end) = (shift(n.line), shift(n.end));
            } else if lo > n.line && hi < n.end {
                n.end = shift(n.end);
            } else {
                self.steps.truncate(i);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(line: usize, end: usize) -> Step {
        Step {
            token: format!("k{line}"),
            node: Node {
                line,
                col: 3,
                parent: Some(0),
                end,
                in_map: true,
            },
            st: Style::default(),
            seq_seen: false,
        }
    }

    #[test]
    fn splices_shift_move_or_forget_nodes() {
        let mut m = Memo::default();
        m.record(step(10, 50));
        m.record(step(20, 30));
        // Inside both: the ends move by the new lines.
        m.spliced(25, 26, 3);
        assert_eq!((m.steps[0].node.end, m.steps[1].node.end), (52, 32));
        // Before the inner one, inside the outer one: the inner one shifts.
        m.spliced(12, 14, 0);
        assert_eq!((m.steps[1].node.line, m.steps[1].node.end), (18, 30));
        // After both: nothing changes.
        m.spliced(51, 51, 4);
        assert_eq!(m.steps[0].node.end, 50);
        // Right after the inner one: it may have grown, so it is forgotten.
        m.spliced(30, 30, 1);
        assert_eq!(m.steps.len(), 1);
        // On the outer one's key line: forgotten too.
        m.spliced(10, 11, 1);
        assert!(m.steps.is_empty());
    }
}
