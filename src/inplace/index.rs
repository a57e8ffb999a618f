//! The in-place writer's line index of a document body: where each line
//! starts and how deep its content is, built once per document and patched
//! after each splice. It only measures lines; it must not interpret YAML
//! (that is `text`'s job) nor touch the text itself.
//!
//! Rebuilding it for every operation cost a whole-body newline scan per
//! edit; patching it costs a scan of the spliced bytes plus one add per
//! later line.

/// The indentation recorded for a line with no content (blank or comment).
pub(super) const NONE: u32 = u32::MAX;

/// Line starts and content indentation of a text ending in `\n`.
#[derive(Debug, Default, Clone)]
pub(super) struct Index {
    /// Byte offset of each line; the text's end is not a line.
    starts: Vec<usize>,
    /// Spaces before each line's content, `NONE` for blank and comment lines.
    indents: Vec<u32>,
}

/// Spaces before the content of `line`, or `NONE` when it has none.
fn measure(line: &[u8]) -> u32 {
    let n = line.iter().take_while(|&&b| b == b' ').count();
    // A line of blanks (tabs too) or a comment after them holds no content.
    let blank = line[n..]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    match line.get(n + blank) {
        None | Some(b'\n' | b'#') => NONE,
        // Lines longer than 4 GiB of spaces do not occur; saturate anyway.
        Some(_) => u32::try_from(n).unwrap_or(NONE - 1),
    }
}

impl Index {
    pub fn new(text: &str) -> Index {
        let mut ix = Index {
            starts: Vec::with_capacity(text.len() / 24 + 1),
            indents: Vec::with_capacity(text.len() / 24 + 1),
        };
        ix.scan(text, 0, text.len());
        ix
    }

    /// Append the lines of `text[from..to]` (`from` a line start) to the end.
    fn scan(&mut self, text: &str, from: usize, to: usize) {
        // One vectorised pass for the newlines, not a search per line.
        let b = &text.as_bytes()[..to];
        let mut at = from;
        for nl in memchr::memchr_iter(b'\n', &b[from..]) {
            let end = from + nl + 1;
            self.starts.push(at);
            self.indents.push(measure(&b[at..end]));
            at = end;
        }
        if at < to {
            self.starts.push(at);
            self.indents.push(measure(&b[at..]));
        }
    }

    /// `text` (already edited) had bytes `old` replaced by `new_len` bytes.
    /// Splices start at a line start or inside a line, and end at a line
    /// start or inside a line: the lines they touch are measured again.
    /// Returns the old lines `lo..hi` that were measured again, and how many
    /// lines replaced them.
    pub fn spliced(
        &mut self,
        text: &str,
        old: std::ops::Range<usize>,
        new_len: usize,
    ) -> (usize, usize, usize) {
        // First and last affected lines: the one holding `old.start`, through
        // the one holding `old.end` (its end is moved or its content changed).
        let lo = self.starts.partition_point(|&p| p <= old.start) - 1;
        let hi = self.starts.partition_point(|&p| p <= old.end);
        let delta = new_len as isize - old.len() as isize;
        let from = self.starts[lo];
        let to_old = self.starts.get(hi).copied().unwrap_or(usize::MAX);
        let to = match to_old {
            usize::MAX => text.len(),
            p => p.wrapping_add_signed(delta),
        };
        let mut mid = Index::default();
        mid.scan(text, from, to);
        let shifted = lo + mid.starts.len();
        self.starts.splice(lo..hi, mid.starts);
        self.indents.splice(lo..hi, mid.indents);
        for p in &mut self.starts[shifted..] {
            *p = p.wrapping_add_signed(delta);
        }
        (lo, hi, shifted - lo)
    }
}

/// A view of a text ending in `\n` through its index.
pub(super) struct Lines<'t> {
    pub text: &'t str,
    starts: &'t [usize],
    indents: &'t [u32],
}

impl<'t> Lines<'t> {
    /// `index` must be the index of `text`.
    pub fn new(text: &'t str, index: &'t Index) -> Self {
        Lines {
            text,
            starts: &index.starts,
            indents: &index.indents,
        }
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset where line `i` starts (`len()`: the end of the text).
    pub fn start(&self, i: usize) -> usize {
        self.starts.get(i).copied().unwrap_or(self.text.len())
    }

    /// Line `i` without its newline.
    pub fn line(&self, i: usize) -> &'t str {
        let end = self.start(i + 1);
        let end = if end > self.starts[i] && self.text.as_bytes()[end - 1] == b'\n' {
            end - 1
        } else {
            end
        };
        &self.text[self.starts[i]..end]
    }

    /// Spaces before line `i`'s content (all of its spaces if it has none).
    pub fn indent(&self, i: usize) -> usize {
        match self.indents[i] {
            NONE => super::text::spaces(self.line(i)),
            n => n as usize,
        }
    }

    /// Holds something other than spaces and a comment.
    pub fn content(&self, i: usize) -> bool {
        self.indents[i] != NONE
    }

    pub fn next_content(&self, from: usize, end: usize) -> Option<usize> {
        (from..end).find(|&j| self.content(j))
    }

    /// The first line from `from` (before `end`) whose content starts at or
    /// left of `col`: the next sibling or the end of a block. Blank and
    /// comment lines (`NONE`) never match.
    pub fn next_at_or_below(&self, from: usize, end: usize, col: usize) -> Option<usize> {
        let col = u32::try_from(col).unwrap_or(NONE - 1);
        let end = end.min(self.indents.len());
        let from = from.min(end);
        // Blocks of lines are tested without a branch per line (the
        // compiler vectorises the fold): locating a node skips whole
        // subtrees this way, most of a document for each operation.
        let mut at = from;
        for block in self.indents[from..end].chunks(32) {
            if block.iter().fold(false, |hit, &n| hit | (n <= col)) {
                return block.iter().position(|&n| n <= col).map(|k| at + k);
            }
            at += block.len();
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patched_index_equals_a_fresh_one() {
        let cases: &[(&str, std::ops::Range<usize>, &str)] = &[
            ("a: 1\nb: 2\nc: 3\n", 5..10, ""),
            ("a: 1\nb: 2\nc: 3\n", 3..4, "x\n  y: 2\n  # z"),
            ("a: 1\nb: 2\n", 10..10, "c:\n  - d\n\n"),
            ("a:\n  b: 1\n", 0..0, "# c\n"),
            ("a: 1\nb: 2\nc: 3\n", 3..13, "4"),
        ];
        for (text, range, new) in cases {
            let mut edited = text.to_string();
            let mut ix = Index::new(&edited);
            edited.replace_range(range.clone(), new);
            ix.spliced(&edited, range.clone(), new.len());
            let fresh = Index::new(&edited);
            assert_eq!(ix.starts, fresh.starts, "{text:?} {range:?} {new:?}");
            assert_eq!(ix.indents, fresh.indents, "{text:?} {range:?} {new:?}");
        }
    }
}
