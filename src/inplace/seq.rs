//! Block sequences in the text: their items, the column of an item's first
//! key, and the indentation style of the nearest sequence (for new ones).

use super::Reason;
use super::text::{Item, Lines, closes_flow, is_item, spaces, split_key};

impl Lines<'_> {
    /// The items of the block sequence at `col` from line `first` to `end`.
    pub fn items(&self, col: usize, first: usize, end: usize) -> Result<Vec<Item>, Reason> {
        let mut out: Vec<Item> = Vec::new();
        let mut j = self.next_content(first, end).unwrap_or(end);
        while j < end {
            let line = self.line(j);
            if self.indent(j) == col && closes_flow(&line[col..]) && !out.is_empty() {
                j = self.next_at_or_below(j + 1, end, col).unwrap_or(end);
                continue;
            }
            if self.indent(j) != col || !is_item(&line[col..]) {
                return Err("odd indentation");
            }
            if let Some(cur) = out.last_mut() {
                cur.end = self.last_content(cur.line, j) + 1;
            }
            out.push(Item {
                line: j,
                end: j + 1,
            });
            j = self.next_at_or_below(j + 1, end, col).unwrap_or(end);
        }
        if let Some(cur) = out.last_mut() {
            cur.end = self.last_content(cur.line, end) + 1;
        }
        Ok(out)
    }

    /// The column of the first key after the dash of item `it`, if the item
    /// is a compact mapping.
    pub fn item_key_col(&self, col: usize, it: &Item) -> Option<usize> {
        let line = self.line(it.line);
        let t = line[col + 1..].trim_start_matches(' ');
        match split_key(t) {
            Ok(Some(_)) => Some(line.len() - t.len()),
            _ => None,
        }
    }

    /// How far right of their key the nearest block sequences put their
    /// dashes (0: level with the key), searching outwards from line `at`.
    pub fn nearest_seq_offset(&self, at: usize) -> Option<usize> {
        let n = self.len();
        for d in 0..n {
            for j in [at.checked_sub(d), Some(at + d)].into_iter().flatten() {
                if j >= n || !self.content(j) {
                    continue;
                }
                if let Some(off) = self.seq_offset_at(j) {
                    return Some(off);
                }
            }
        }
        None
    }

    /// If line `j` starts a block sequence under a key, its dash offset.
    fn seq_offset_at(&self, j: usize) -> Option<usize> {
        let line = self.line(j);
        let i = spaces(line);
        if !is_item(&line[i..]) {
            return None;
        }
        let p = (0..j).rev().find(|&p| self.content(p))?;
        let pl = self.line(p);
        let pi = spaces(pl);
        let (key_col, t) = if is_item(&pl[pi..]) {
            let t = pl[pi + 1..].trim_start_matches(' ');
            (pl.len() - t.len(), t)
        } else {
            (pi, &pl[pi..])
        };
        let (_, after) = split_key(t).ok()??;
        let rest = t[after..].trim_start_matches(' ');
        (rest.is_empty() || rest.starts_with('#'))
            .then(|| i.checked_sub(key_col))
            .flatten()
    }
}
