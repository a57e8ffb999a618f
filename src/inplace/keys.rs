//! Keys and scalars of one line, as YAML reads them: where a `key:` ends and
//! where a quoted or plain scalar ends before a comment. Refuses (a
//! `Reason`) what it does not read.

use super::Reason;

/// `key:` at the start of `t`: the key and the byte offset after its colon;
/// `None` when `t` is no mapping entry.
pub(super) fn split_key(t: &str) -> Result<Option<(String, usize)>, Reason> {
    let (key, close) = match t.as_bytes().first() {
        Some(&q @ (b'"' | b'\'')) => {
            let close = quoted_len(t, q).ok_or("unclosed quoted key")?;
            let raw = &t[..close];
            let key = if q == b'\'' {
                raw[1..raw.len() - 1].replace("''", "'")
            } else if raw.contains('\\') {
                serde_json::from_str::<String>(raw).map_err(|_| "escaped key")?
            } else {
                raw[1..raw.len() - 1].to_string()
            };
            (key, close)
        }
        Some(b'?' | b'[' | b'{' | b'&' | b'*' | b'!' | b'|' | b'>') => return Ok(None),
        _ => {
            let b = t.as_bytes();
            let mut colon = None;
            for i in 0..b.len() {
                if b[i] == b'#' && i > 0 && matches!(b[i - 1], b' ' | b'\t') {
                    break;
                }
                if b[i] == b':' && matches!(b.get(i + 1), None | Some(b' ' | b'\t')) {
                    colon = Some(i);
                    break;
                }
            }
            let Some(colon) = colon else {
                return Ok(None);
            };
            let key = t[..colon].trim_end_matches([' ', '\t']);
            if key.is_empty() || key.starts_with("- ") || key == "-" {
                return Ok(None);
            }
            return Ok(Some((key.to_string(), colon + 1)));
        }
    };
    let after = &t[close..];
    let spaced = after.trim_start_matches([' ', '\t']);
    match spaced.strip_prefix(':') {
        Some(rest) if rest.is_empty() || rest.starts_with([' ', '\t']) => {
            Ok(Some((key, t.len() - rest.len())))
        }
        _ => Ok(None),
    }
}

/// Length of the quoted scalar at the start of `t` (quote `q`), if closed on the line.
fn quoted_len(t: &str, q: u8) -> Option<usize> {
    let b = t.as_bytes();
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' if q == b'"' => i += 2,
            c if c == q => {
                if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return Some(i + 1);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// Length of the one-line scalar at the start of `t`: a closed quoted
/// scalar, or plain text up to a comment (trailing spaces left out). `None`
/// when it does not close on the line.
pub(super) fn scalar_len(t: &str) -> Option<usize> {
    match t.as_bytes()[0] {
        q @ (b'"' | b'\'') => {
            let len = quoted_len(t, q)?;
            let after = t[len..].trim_start_matches([' ', '\t']);
            (after.is_empty() || (after.starts_with('#') && after.len() < t.len() - len))
                .then_some(len)
        }
        _ => {
            let b = t.as_bytes();
            let end = (1..b.len())
                .find(|&i| b[i] == b'#' && matches!(b[i - 1], b' ' | b'\t'))
                .unwrap_or(b.len());
            Some(t[..end].trim_end_matches([' ', '\t']).len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_like_yaml() {
        fn k(t: &str) -> Option<(String, &str)> {
            split_key(t).unwrap().map(|(k, a)| (k, &t[a..]))
        }
        assert_eq!(k("a: 1"), Some(("a".into(), " 1")));
        assert_eq!(k("a:"), Some(("a".into(), "")));
        assert_eq!(k("http://x"), None);
        assert_eq!(k("a:b: c"), Some(("a:b".into(), " c")));
        assert_eq!(k("\"a b\": c"), Some(("a b".into(), " c")));
        assert_eq!(k("'it''s' : c"), Some(("it's".into(), " c")));
        assert_eq!(k("x # a: b"), None);
        assert_eq!(k("- a: b"), None);
    }

    #[test]
    fn scalars_end_before_comments_and_trailing_spaces() {
        assert_eq!(scalar_len("abc  # c"), Some(3));
        assert_eq!(scalar_len("\"a # b\"   "), Some(7));
        assert_eq!(scalar_len("'it''s' x"), None);
        assert_eq!(scalar_len("\"open"), None);
        assert_eq!(scalar_len("a#b"), Some(3));
    }
}
