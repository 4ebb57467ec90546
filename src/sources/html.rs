//! HTML to plain text for feed bodies: tags dropped, `script`/`style` content dropped,
//! entities decoded, block elements and list items become line breaks so that the sentence
//! splitter sees paragraph boundaries. A tolerant scanner, not a DOM: tag soup never fails.

/// Convert an HTML fragment or document to plain text.
pub fn to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut skip_until: Option<&'static str> = None;
    while let Some(lt) = rest.find('<') {
        if skip_until.is_none() {
            push_text(&mut out, &rest[..lt]);
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
            continue;
        }
        if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after.find("]]>").unwrap_or(after.len());
            if skip_until.is_none() {
                out.push_str(&after[..end]);
            }
            rest = after.get(end + 3..).unwrap_or("");
            continue;
        }
        let Some(gt) = rest.find('>') else {
            // A lone '<' that opens no tag is text.
            if skip_until.is_none() {
                push_text(&mut out, rest);
            }
            rest = "";
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(end) = skip_until {
            if closing && name == end {
                skip_until = None;
            }
            continue;
        }
        match name.as_str() {
            "script" | "style" | "head" | "template" | "noscript" if !closing && !tag.ends_with('/') => {
                skip_until = Some(match name.as_str() {
                    "script" => "script",
                    "style" => "style",
                    "head" => "head",
                    "template" => "template",
                    _ => "noscript",
                });
            }
            "li" if !closing => out.push_str("\n• "),
            "br" | "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "tr" | "ul" | "ol" | "table"
            | "section" | "article" | "blockquote" | "header" | "footer" | "li" | "dd" | "dt" | "pre"
            | "hr" => out.push_str("\n\n"),
            "td" | "th" => out.push(' '),
            _ => {}
        }
    }
    if skip_until.is_none() {
        push_text(&mut out, rest);
    }
    tidy(&out)
}

fn push_text(out: &mut String, s: &str) {
    out.push_str(&decode_entities(s));
}

/// Collapse whitespace inside lines and runs of blank lines.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() || line == "•" {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(&line);
    }
    out
}

/// Decode HTML character references (named, decimal, hex). Unknown ones are kept as written.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '#')).map(|e| e + 1);
        let decoded = end
            .filter(|&e| rest[e..].starts_with(';') && e > 1)
            .and_then(|e| entity(&rest[1..e]).map(|c| (c, e + 1)));
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{A0}',
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "hellip" => '…',
        "bull" => '•',
        "middot" => '·',
        "laquo" => '«',
        "raquo" => '»',
        "eacute" => 'é',
        "egrave" => 'è',
        "ecirc" => 'ê',
        "agrave" => 'à',
        "aacute" => 'á',
        "acirc" => 'â',
        "ccedil" => 'ç',
        "ocirc" => 'ô',
        "oacute" => 'ó',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "auml" => 'ä',
        "iacute" => 'í',
        "ntilde" => 'ñ',
        "uacute" => 'ú',
        "deg" => '°',
        "euro" => '€',
        "pound" => '£',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "shy" => '\u{AD}',
        "zwnj" => '\u{200C}',
        "zwj" => '\u{200D}',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(html: &str, want: &str) {
        assert_eq!(to_text(html), want, "converting {html:?}");
    }

    #[test]
    fn converts() {
        check(
            "<p>A curfew is in force.</p><p>Banks are shut.</p>",
            "A curfew is in force.\n\nBanks are shut.",
        );
        check("<ul><li>one</li><li>two</li></ul>", "• one\n\n• two");
        check("Tom &amp; Jerry &#8217;s &#x2019; &bogus; & alone", "Tom & Jerry ’s ’ &bogus; & alone");
        check("<script>alert('x')</script>Safe <b>bold</b>", "Safe bold");
        check("<style>p{}</style><!-- hidden -->Text<br/>More", "Text\n\nMore");
        check("a < b and <unclosed", "a < b and <unclosed");
        check("<![CDATA[<i>raw</i>]]>", "<i>raw</i>");
        check("", "");
    }
}
