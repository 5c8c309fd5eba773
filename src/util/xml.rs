/*!
The one XML reader: the text of an element in the small, flat answers of the
query protocol (STS) and of XML error bodies, with the predefined and numeric
character references decoded. Not a general parser: no attributes,
namespaces-prefixed names or CDATA, none of which these answers use.
*/

/// The raw inner text of the first `<tag>…</tag>` in `xml`.
pub fn element<'x>(xml: &'x str, tag: &str) -> Option<&'x str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(&xml[start..end])
}

/// The text of the first `<tag>…</tag>` in `xml`, trimmed, references decoded.
pub fn text(xml: &str, tag: &str) -> Option<String> {
    element(xml, tag).map(|t| decode(t.trim()))
}

/// Decodes `&lt; &gt; &amp; &quot; &apos;` and `&#NN;` / `&#xHH;` in one pass (so
/// `&amp;lt;` stays `&lt;`); anything else that starts with `&` is kept as it is.
pub fn decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let decoded = rest.find(';').and_then(|end| {
            let c = reference(&rest[1..end])?;
            Some((c, end + 1))
        });
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

fn reference(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_and_references() {
        let xml =
            "<R><Credentials><AccessKeyId>ASIA1</AccessKeyId><Arn>a&amp;b</Arn></Credentials></R>";
        assert_eq!(text(xml, "AccessKeyId").as_deref(), Some("ASIA1"));
        assert_eq!(text(xml, "Arn").as_deref(), Some("a&b"));
        assert_eq!(text(xml, "Nope"), None);
        assert_eq!(
            element(xml, "Credentials"),
            Some("<AccessKeyId>ASIA1</AccessKeyId><Arn>a&amp;b</Arn>")
        );
    }

    #[test]
    fn decodes_once_and_keeps_unknown_references() {
        assert_eq!(decode("&amp;lt; &lt;&gt;&quot;&apos;"), "&lt; <>\"'");
        assert_eq!(decode("&#65;&#x42;&#X43;"), "ABC");
        assert_eq!(decode("a & b &nope; &#xZZ; &"), "a & b &nope; &#xZZ; &");
    }
}
