//! Place names in text: an exact, case-sensitive index of the gazetteer's names, probed at
//! capitalised words.
//!
//! A text has a capitalised word every thirty bytes or so, and each is looked up: first the
//! word alone (which name lengths start with it), then only those lengths.
//!
//! Input: normalised text. Output: `Place` hits, leftmost-longest and non-overlapping.

use super::matcher::{FastMap, Hit, Meaning};
use super::normalize::normalize_pattern;
use super::places::Gazetteer;

/// Longest place name, in words ("United Kingdom of Great Britain and Northern Ireland").
const MAX_NAME_WORDS: usize = 9;

/// Exact-case index of place names by their folded text.
pub(crate) struct PlaceIndex {
    /// Folded name (and its all-capitals form) → gazetteer name index.
    names: FastMap<Box<str>, u32>,
    /// Which name lengths (bit n: n words) start with this word, so only those are looked up.
    first: FastMap<Box<str>, u16>,
}

impl PlaceIndex {
    pub(crate) fn build() -> Self {
        let mut names: FastMap<Box<str>, u32> = FastMap::default();
        let mut first: FastMap<Box<str>, u16> = FastMap::default();
        for (i, name) in Gazetteer::get().names().iter().enumerate() {
            let folded = normalize_pattern(name.text);
            if !folded.starts_with(char::is_uppercase) {
                continue;
            }
            let upper = folded.to_uppercase();
            let variants = if folded.chars().count() > 3 && upper != folded {
                vec![folded, upper]
            } else {
                vec![folded]
            };
            for v in variants {
                let words = v.split(' ').count().min(MAX_NAME_WORDS) as u8;
                let head = v.split(' ').next().unwrap_or("").to_owned();
                // Earlier names win (countries before cities), so keep the first entry.
                names.entry(v.into_boxed_str()).or_insert(i as u32);
                *first.entry(head.into_boxed_str()).or_insert(0) |= 1 << words;
            }
        }
        PlaceIndex { names, first }
    }

    /// Number of indexed name forms.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    fn name(&self, text: &str) -> Option<u32> {
        self.names.get(text).copied()
    }

    fn lengths(&self, word: &str) -> Option<u16> {
        self.first.get(word).copied()
    }

    /// Find place names starting at capitalised words; leftmost-longest, non-overlapping.
    pub(crate) fn scan(&self, text: &str, hits: &mut Vec<Hit>) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(start) = next_capital(text, i) {
            match self.longest_at(text, start) {
                Some((end, name)) => {
                    hits.push(Hit { start, end, meaning: Meaning::Place { name } });
                    i = end;
                }
                None => i = start + 1,
            }
            // Skip the rest of the current word.
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] >= 0x80) {
                i += 1;
            }
        }
    }

    fn longest_at(&self, text: &str, start: usize) -> Option<(usize, u32)> {
        // Word ends: a word is a run of alphanumerics, '.' and '\''; words join by one space.
        let first_end = word_end(text, start);
        let first_word = trim_word(&text[start..first_end]);
        let whole = &text[start..first_end];
        let lengths = self
            .lengths(first_word)
            .or_else(|| if whole.len() == first_word.len() { None } else { self.lengths(whole) })?;
        let max = (15 - lengths.leading_zeros()) as usize;
        let mut ends = [0usize; MAX_NAME_WORDS];
        ends[0] = first_end;
        let mut n = 1;
        let mut at = first_end;
        while n < max && text.as_bytes().get(at) == Some(&b' ') {
            let next = word_end(text, at + 1);
            if next == at + 1 {
                break;
            }
            ends[n] = next;
            n += 1;
            at = next;
        }
        for (words, &end) in ends[..n].iter().enumerate().rev() {
            if lengths & (1 << (words + 1)) == 0 {
                continue;
            }
            let cand = &text[start..end];
            let trimmed = trim_word(cand);
            let found = self.name(cand).map(|n| (cand.len(), n)).or_else(|| {
                (trimmed.len() != cand.len())
                    .then(|| self.name(trimmed).map(|n| (trimmed.len(), n)))
                    .flatten()
            });
            if let Some((len, name)) = found {
                return Some((start + len, name));
            }
        }
        None
    }
}

/// The next word start at or after `from` whose first letter is upper case.
fn next_capital(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    loop {
        // Jump to a byte that can begin a capitalised word.
        i = next_upper_or_lead(bytes, i)?;
        let word_start = i == 0 || {
            let prev = text[..i].chars().next_back().unwrap_or(' ');
            !prev.is_alphanumeric()
        };
        if word_start && (bytes[i] < 0x80 || text[i..].chars().next().is_some_and(char::is_uppercase)) {
            return Some(i);
        }
        i += 1;
        while i < bytes.len() && !text.is_char_boundary(i) {
            i += 1;
        }
    }
}

/// The first byte at or after `from` that is an ASCII capital or starts a multi-byte character
/// (>= 0xC0). Eight bytes at a time: most text is lower case, and this runs over all of it.
fn next_upper_or_lead(bytes: &[u8], from: usize) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let low7 = x & !HI;
        // Per byte: high bit set, or strictly between '@' (0x40) and '[' (0x5B).
        let capital = (LO * (127 + 0x5B) - low7) & !x & (low7 + LO * (127 - 0x40)) & HI;
        let mut m = (x & HI) | capital;
        while m != 0 {
            let at = i + (m.trailing_zeros() / 8) as usize;
            if bytes[at] < 0x80 || bytes[at] >= 0xC0 {
                return Some(at);
            }
            m &= m - 1;
        }
        i += 8;
    }
    bytes.get(i..)?.iter().position(|&b| b.is_ascii_uppercase() || b >= 0xC0).map(|p| i + p)
}

/// End of the word at `at`: alphanumerics plus '.', '\'' and '&' inside.
fn word_end(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut end = at;
    // ASCII first; a multi-byte character hands over to the general loop.
    while let Some(&b) = bytes.get(end) {
        if b.is_ascii_alphanumeric() || b == b'.' || b == b'\'' || b == b'&' {
            end += 1;
        } else if b < 0x80 {
            return end;
        } else {
            break;
        }
    }
    let at = end;
    for (off, c) in text[at..].char_indices() {
        if c.is_alphanumeric() || c == '.' || c == '\'' || c == '&' {
            end = at + off + c.len_utf8();
        } else {
            break;
        }
    }
    end
}

/// A word without a possessive or trailing punctuation ("Sudan's" → "Sudan", "Kazakhstan." →
/// "Kazakhstan", but "U.S." keeps its dots when that is a name).
fn trim_word(w: &str) -> &str {
    let w = w.strip_suffix("'s").unwrap_or(w);
    w.trim_end_matches(['.', '\''])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eight_byte_capital_search_agrees_with_the_plain_one() {
        let plain = |b: &[u8], from: usize| {
            b[from..].iter().position(|&c| c.is_ascii_uppercase() || c >= 0xC0).map(|p| from + p)
        };
        let text = "lower words then Almaty, [brackets] @at ZULU zz é Ünter \u{2019}quote and more lower text at the end";
        let b = text.as_bytes();
        for from in 0..b.len() {
            assert_eq!(next_upper_or_lead(b, from), plain(b, from), "from {from}");
        }
        for byte in 0..=255u8 {
            let mut v = vec![b'a'; 20];
            v[11] = byte;
            assert_eq!(next_upper_or_lead(&v, 0), plain(&v, 0), "byte {byte:#x}");
        }
    }
}
