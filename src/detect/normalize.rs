//! Text normalisation for matching.
//!
//! Input: the advisory's plain text. Output: a [`Normalized`] string in which typographic
//! variants are folded to one ASCII form (curly quotes, dashes, odd spaces), word-joining
//! hyphens become spaces and runs of spaces collapse, plus a map from every normalised byte
//! back to the original byte offset so evidence spans always point into the original text.
//! Case is preserved: trigger phrases match case-insensitively, place names do not.

/// Normalised text plus a map back into the original.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// The folded text.
    pub text: String,
    /// Sparse map: `(normalised offset, original offset)` wherever the two stop advancing
    /// together (a folded or dropped character). Starts with `(0, 0)`.
    marks: Vec<(u32, u32)>,
    original_len: u32,
}

impl Normalized {
    /// Original byte offset of a normalised byte offset (the original length at the end).
    pub fn original(&self, at: usize) -> usize {
        if at >= self.text.len() {
            return self.original_len as usize;
        }
        let k = self.marks.partition_point(|m| m.0 as usize <= at).saturating_sub(1);
        let (n, o) = self.marks.get(k).copied().unwrap_or((0, 0));
        o as usize + (at - n as usize)
    }

    /// Original byte span of a normalised span `[start, end)`.
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        if end <= start {
            let s = self.original(start);
            return (s, s);
        }
        // The end is where the next normalised byte came from (or the original's end).
        (self.original(start), self.original(end))
    }
}

/// Record that normalised offset `n` comes from original offset `o`, if that breaks the
/// one-to-one run of the previous mark.
fn mark(marks: &mut Vec<(u32, u32)>, n: usize, o: usize) {
    let (n, o) = (n as u32, o as u32);
    if let Some(last) = marks.last_mut() {
        if last.0 == n {
            *last = (n, o);
            return;
        }
        if o.wrapping_sub(last.1) == n.wrapping_sub(last.0) {
            return;
        }
    }
    marks.push((n, o));
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}'
    )
}

fn fold(c: char) -> Option<char> {
    Some(match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '\u{00B4}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' => '"',
        '\t' | '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => ' ',
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => return None,
        '\r' => return None,
        '\u{2028}' | '\u{2029}' | '\u{0085}' => '\n',
        '\u{2026}' => '.',
        // Latin letters with accents fold to their base letter, so "etat d'urgence" typed
        // without accents matches, and trigger terms stay ASCII (a smaller automaton).
        '\u{00C0}'..='\u{00FF}' => fold_latin1(c),
        c => c,
    })
}

/// The base letter of an accented Latin-1 letter; other Latin-1 characters as they are.
fn fold_latin1(c: char) -> char {
    match c {
        'À'..='Å' => 'A',
        'Ç' => 'C',
        'È'..='Ë' => 'E',
        'Ì'..='Ï' => 'I',
        'Ñ' => 'N',
        'Ò'..='Ö' | 'Ø' => 'O',
        'Ù'..='Ü' => 'U',
        'Ý' => 'Y',
        'à'..='å' => 'a',
        'ç' => 'c',
        'è'..='ë' => 'e',
        'ì'..='ï' => 'i',
        'ñ' => 'n',
        'ò'..='ö' | 'ø' => 'o',
        'ù'..='ü' => 'u',
        'ý' | 'ÿ' => 'y',
        c => c,
    }
}

/// Bytes copied as they are: printable ASCII except the dash and backtick, which fold.
const PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0x21;
    while b < 0x7F {
        t[b] = b != b'-' as usize && b != b'`' as usize;
        b += 1;
    }
    t
};

/// [`PLAIN`] plus the space.
const PLAIN_OR_SPACE: [bool; 256] = {
    let mut t = PLAIN;
    t[b' ' as usize] = true;
    t
};

fn is_plain(b: u8) -> bool {
    PLAIN[b as usize]
}

/// Fold `input` into its matching form.
pub fn normalize(input: &str) -> Normalized {
    normalize_with(input, true)
}

/// `fast: false` takes the general path for every character: the reference the fast path is
/// tested against.
fn normalize_with(input: &str, fast: bool) -> Normalized {
    let bytes = input.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(input.len());
    let mut marks: Vec<(u32, u32)> = vec![(0, 0)];
    let mut prev_alnum = false;
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        // Fast path: a run of printable ASCII (other than the characters folded below), plus
        // single spaces between words, copied in one go.
        if fast && is_plain(b) {
            // Scan plain bytes and spaces alike (no branch per word), then cut the run at the
            // first double space and drop a trailing space: a space is copied as it is only
            // between two plain bytes; anything else takes the general path below.
            let mut end = at
                + 1
                + bytes[at + 1..]
                    .iter()
                    .position(|&c| !PLAIN_OR_SPACE[c as usize])
                    .unwrap_or(bytes.len() - at - 1);
            if let Some(k) = memchr::memmem::find(&bytes[at..end], b"  ") {
                end = at + k;
            }
            if bytes[end - 1] == b' ' {
                end -= 1;
            }
            mark(&mut marks, out.len(), at);
            out.extend_from_slice(&bytes[at..end]);
            prev_alnum = bytes[end - 1].is_ascii_alphanumeric();
            at = end;
            continue;
        }
        let c = input[at..].chars().next().unwrap_or(' ');
        let len = c.len_utf8();
        let Some(c) = fold(c) else {
            at += len;
            continue;
        };
        let c = if is_dash(c) {
            let next_alnum = input[at + len..].chars().next().is_some_and(char::is_alphanumeric);
            if prev_alnum && next_alnum { ' ' } else { '-' }
        } else {
            c
        };
        let last = out.last().copied();
        if c == ' ' && matches!(last, Some(b' ' | b'\n')) {
            at += len;
            continue;
        }
        if c == '\n' && last == Some(b' ') {
            out.pop();
        }
        prev_alnum = c.is_alphanumeric();
        let mut buf = [0u8; 4];
        let encoded = c.encode_utf8(&mut buf);
        mark(&mut marks, out.len(), at);
        out.extend_from_slice(encoded.as_bytes());
        at += len;
    }
    // Only whole UTF-8 characters were pushed, so this cannot fail; fall back rather than panic.
    let text = String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Normalized { text, marks, original_len: input.len() as u32 }
}

/// Fold a pattern (trigger phrase or place name) the same way the text is folded.
pub fn normalize_pattern(p: &str) -> String {
    normalize(p.trim()).text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_agrees_with_the_general_one() {
        // Deterministic pseudo-random text over the characters that matter at run edges.
        let pieces =
            ["a", "Z", "9", " ", "  ", "\n", "-", "\u{2019}", ".", "\t", "é", "\u{00A0}", "`", "x y", "\r\n"];
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..2000 {
            let mut text = String::new();
            for _ in 0..40 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            let (fast, slow) = (normalize_with(&text, true), normalize_with(&text, false));
            assert_eq!(fast.text, slow.text, "{text:?}");
            for at in 0..=fast.text.len() {
                assert_eq!(fast.original(at), slow.original(at), "{text:?} at {at}");
            }
        }
    }

    fn check(input: &str, want: &str) {
        let n = normalize(input);
        assert_eq!(n.text, want, "normalising {input:?}");
    }

    #[test]
    fn folds_typography() {
        check("Security officials\u{2019} use", "Security officials' use");
        check("\u{201C}quoted\u{201D}", "\"quoted\"");
        check("state\u{00A0}of  emergency", "state of emergency");
        check("Russian-led force", "Russian led force");
        check("couvre\u{2011}feu", "couvre feu");
        check("protesters \u{2013} confirmed", "protesters - confirmed");
        check("a\r\nb", "a\nb");
        check("\u{FEFF}Title", "Title");
        check("end.  \nNext", "end.\nNext");
    }

    #[test]
    fn spans_map_back_to_original() {
        let input = "O\u{2019}Casey said \u{201C}curfew\u{201D} now";
        let n = normalize(input);
        let start = n.text.find("curfew").expect("present");
        let (s, e) = n.original_span(start, start + "curfew".len());
        assert_eq!(&input[s..e], "curfew");
        let q = n.text.find('\'').expect("quote");
        let (s, e) = n.original_span(q, q + 1);
        assert_eq!(&input[s..e], "\u{2019}");
        // Every character boundary of the normalised text maps onto one in the original.
        for input in ["a\u{200B}b  c\u{2014}d\r\ne \nf", "état\u{a0}d\u{2019}urgence", "x \u{2013} y"] {
            let n = normalize(input);
            for (i, _) in n.text.char_indices() {
                assert!(input.is_char_boundary(n.original(i)), "{input:?} at {i}");
            }
            let start = n.text.find(|c: char| c.is_alphabetic()).unwrap_or(0);
            let (s, e) = n.original_span(start, n.text.len());
            assert!(input[s..e].trim_end().ends_with(|c: char| c.is_alphabetic()), "{input:?}");
        }
    }
}
