//! Sentence and clause boundaries over normalised text.
//!
//! Input: normalised text. Output: byte ranges of sentences, and within a sentence the ranges
//! of its clauses (the scope of modifiers). Line breaks end a sentence unless the next line
//! continues it in lower case (hard-wrapped text); abbreviations such as "U.S." and "Gen."
//! do not end one.

use std::ops::Range;

const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "gen", "lt", "col", "capt", "sgt", "gov", "sen", "rep", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "vs", "approx", "corp",
    "inc", "ltd", "co", "jr", "sr", "prof", "maj", "adm", "cpl", "pvt", "ft", "mt", "pres", "dept", "est",
    "fig", "al",
];

fn is_abbreviation(word: &str) -> bool {
    let w = word.trim_start_matches(|c: char| !c.is_alphanumeric());
    if w.is_empty() {
        return false;
    }
    // Initialisms: U.S, U.N, e.g, i.e (the final dot is the one being judged).
    if w.contains('.') && w.split('.').all(|p| p.chars().count() == 1) {
        return true;
    }
    let mut chars = w.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return c.is_uppercase();
    }
    ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(w))
}

/// Position of the next byte that may end a sentence.
fn next_break_byte(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    // '!' is rare: look for it only before the next of the common three.
    let common = memchr::memchr3(b'.', b'\n', b'?', rest);
    let bang = memchr::memchr(b'!', &rest[..common.unwrap_or(rest.len())]);
    bang.or(common).map(|p| from + p)
}

/// Split `text` into sentence ranges (trimmed, non-empty).
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while let Some(found) = next_break_byte(bytes, i) {
        i = found;
        let b = bytes[i];
        let end_here = match b {
            b'\n' => !continues_line(text, i),
            b'.' | b'!' | b'?' => ends_sentence(text, i),
            _ => false,
        };
        if end_here {
            // Closing quotes and brackets stay with the sentence they close.
            while matches!(bytes.get(i + 1), Some(b'"' | b'\'' | b')' | b']')) {
                i += 1;
            }
            push_trimmed(text, start..i + 1, &mut out);
            start = i + 1;
        }
        i += 1;
    }
    push_trimmed(text, start..text.len(), &mut out);
    out
}

/// The longest sentence kept whole, in bytes (about 700 words; real sentences are far
/// shorter). Text without sentence ends (a run-together list, a stripped page) is cut into
/// pieces of at most this length at a space: per-sentence work then stays bounded, where one
/// 12 MB "sentence" made every match in it rescan the whole of it.
pub const MAX_SENTENCE: usize = 4_096;

fn push_trimmed(text: &str, r: Range<usize>, out: &mut Vec<Range<usize>>) {
    let mut r = r;
    while r.end - r.start > MAX_SENTENCE {
        // The last space (or, failing one, char boundary) before the limit.
        let mut cut = r.start + MAX_SENTENCE;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let cut = text[r.start..cut].rfind(char::is_whitespace).map_or(cut, |i| r.start + i).max(r.start + 1);
        let cut = (r.start + 1..=cut).rev().find(|&c| text.is_char_boundary(c)).unwrap_or(r.end);
        push_one(text, r.start..cut, out);
        r = cut..r.end;
    }
    push_one(text, r, out);
}

fn push_one(text: &str, r: Range<usize>, out: &mut Vec<Range<usize>>) {
    let s = &text[r.clone()];
    if s.trim().is_empty() {
        return;
    }
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    let r = r.start + lead..r.end - trail;
    if text[r.clone()].chars().any(char::is_alphanumeric) {
        out.push(r);
    }
}

/// A newline continues the sentence when the previous line has no closing punctuation and the
/// next line starts in lower case.
fn continues_line(text: &str, nl: usize) -> bool {
    let before = text[..nl].trim_end();
    let after = text[nl + 1..].trim_start();
    if after.starts_with('\n') || text[nl + 1..].starts_with('\n') {
        return false;
    }
    let prev_closed = before.ends_with(['.', '!', '?', ':', ';']);
    let next_lower = after.chars().next().is_some_and(char::is_lowercase);
    !prev_closed && next_lower
}

fn ends_sentence(text: &str, at: usize) -> bool {
    let rest = &text[at + 1..];
    // Closing quotes or brackets belong to the sentence that ends here.
    let rest_trim = rest.trim_start_matches(['"', '\'', ')', ']']);
    let next = rest_trim.chars().next();
    let word_start = text[..at].rfind([' ', '\n', '(']).map_or(0, |p| p + 1);
    let word = &text[word_start..at];
    match next {
        None => true,
        Some(c) if c == ' ' || c == '\n' => {
            if text.as_bytes()[at] == b'.' && is_abbreviation(word) {
                // "U.S. Embassy" keeps going; an abbreviation before a line break ends it.
                return rest_trim.starts_with('\n');
            }
            let after = rest_trim.trim_start();
            after.chars().next().is_none_or(|c| !c.is_lowercase())
        }
        // "students.Japan": a missing space after a full stop.
        Some(c) if c.is_uppercase() && text.as_bytes()[at] == b'.' => {
            word.chars().count() >= 3 && word.chars().all(char::is_lowercase)
        }
        _ => false,
    }
}

/// Where one clause ends and the next begins (the matcher finds these in its single pass).
pub const CLAUSE_BREAKS: &[&str] = &[
    "; ",
    ", but ",
    " but ",
    ", however",
    " however,",
    ", although ",
    " although ",
    " though ",
    " whereas ",
    ", while ",
    ", and ",
    ", whereas ",
    " - ",
    ", which ",
    " unlike ",
    ", yet ",
    ", even if ",
    ", even though ",
    ", even when ",
    // French and Spanish: "mais", "alors que", "tandis que"; "pero", "aunque", "mientras que".
    ", mais ",
    " mais ",
    ", alors que ",
    ", tandis que ",
    ", pero ",
    " pero ",
    ", aunque ",
    " aunque ",
    ", mientras que ",
];

/// Whether a relative clause opens with a verb of state ("remains closed", "is shut", "has
/// been suspended").
fn states_a_condition(rest: &str) -> bool {
    let mut words = rest.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty());
    let first = words.next().unwrap_or("");
    let is = |list: &[&str], w: &str| list.iter().any(|x| x.eq_ignore_ascii_case(w));
    is(&["remains", "remain", "remained", "is", "are", "was", "were", "stays", "stayed"], first)
        || (is(&["has", "have", "had"], first)
            && words.next().is_some_and(|w| w.eq_ignore_ascii_case("been")))
}

/// Whether ", and" after `before` closes a list ("A (x), B (y), and C"): the item before it
/// is short and follows another comma.
fn ends_list(before: &str) -> bool {
    match before.rfind(',') {
        Some(c) => before[c + 1..].split_whitespace().count() <= 4,
        None => false,
    }
}

/// Clause ranges (absolute offsets) inside one sentence range, finding the breaks by search.
pub fn clauses(text: &str, sentence: Range<usize>) -> Vec<Range<usize>> {
    let lower = text[sentence.clone()].to_ascii_lowercase();
    let mut breaks: Vec<(usize, usize)> = Vec::new();
    for brk in CLAUSE_BREAKS {
        let mut from = 0;
        while let Some(p) = lower[from..].find(brk) {
            breaks.push((sentence.start + from + p, sentence.start + from + p + brk.len()));
            from += p + brk.len();
        }
    }
    breaks.sort_unstable();
    clauses_at(text, sentence, &breaks)
}

/// Clause ranges given the sorted `(start, end)` spans of clause-break matches in the sentence.
/// A ", and" that closes a list ("A (x), B (y), and C") does not break.
pub fn clauses_at(text: &str, sentence: Range<usize>, breaks: &[(usize, usize)]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = sentence.start;
    for &(at, end) in breaks {
        if at <= start || at >= sentence.end {
            continue;
        }
        if text[at..end].eq_ignore_ascii_case(", and ") && ends_list(&text[sentence.start..at]) {
            continue;
        }
        // "the main airport, which remains closed, …": a relative clause that only gives the
        // state of the noun before it belongs to that noun's clause.
        if text[at..end].eq_ignore_ascii_case(", which ") && states_a_condition(&text[end..sentence.end]) {
            continue;
        }
        out.push(start..at);
        start = at;
    }
    out.push(start..sentence.end);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, want: &[&str]) {
        let got: Vec<&str> = sentences(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(got, want, "splitting {text:?}");
    }

    #[test]
    fn splits_sentences() {
        check("A curfew is in place. Banks are shut.", &["A curfew is in place.", "Banks are shut."]);
        check(
            "The U.S. Embassy closed. Gen. Smith spoke.",
            &["The U.S. Embassy closed.", "Gen. Smith spoke."],
        );
        check("and students.Japan has been closed", &["and students.", "Japan has been closed"]);
        check("Heading\nBody line one.", &["Heading", "Body line one."]);
        check(
            "A long line that wraps\nonto the next line.",
            &["A long line that wraps\nonto the next line."],
        );
        check("• first bullet\n• second bullet", &["• first bullet", "• second bullet"]);
        check("He said \"stop.\" Then left.", &["He said \"stop.\"", "Then left."]);
        check("Prices rose 2.5 percent.", &["Prices rose 2.5 percent."]);
        check("", &[]);
    }

    #[test]
    fn splits_clauses() {
        let t = "Japan barred foreigners, and Australia delayed reopening; Singapore opened.";
        let got: Vec<&str> = clauses(t, 0..t.len()).into_iter().map(|r| &t[r]).collect();
        assert_eq!(
            got,
            ["Japan barred foreigners", ", and Australia delayed reopening", "; Singapore opened."]
        );
        let t = "Airports in Ayacucho (AYP), Arequipa (AQP), and Cusco (CUZ) remain closed.";
        assert_eq!(clauses(t, 0..t.len()).len(), 1, "a list is one clause");
    }
}
