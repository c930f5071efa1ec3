//! Just enough JSON for the tests: the DevTools protocol, kosoku's
//! `index.json`.
#![allow(dead_code)]

/// A JSON value; an object keeps its fields in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    pub fn parse(text: &str) -> Result<Json, String> {
        let mut parser = Parser { text, at: 0 };
        let value = parser.value()?;
        parser.space();
        match parser.at == text.len() {
            true => Ok(value),
            false => Err(format!("JSON: trailing text at {}", parser.at)),
        }
    }

    /// A field of an object (`Null` if absent).
    pub fn get(&self, key: &str) -> &Json {
        match self {
            Json::Obj(fields) => fields
                .iter()
                .find(|(k, _)| k == key)
                .map_or(&Json::Null, |(_, v)| v),
            _ => &Json::Null,
        }
    }

    /// A field down a dotted path.
    pub fn at(&self, path: &str) -> &Json {
        path.split('.').fold(self, Json::get)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A string the protocol promises.
    pub fn str(&self) -> &str {
        self.as_str()
            .unwrap_or_else(|| panic!("expected a string, got {self:?}"))
    }
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn space(&mut self) {
        let rest = &self.text[self.at..];
        self.at += rest.len() - rest.trim_start_matches([' ', '\t', '\n', '\r']).len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.space();
        let found = self.text[self.at..].starts_with(token);
        if found {
            self.at += token.len();
        }
        found
    }

    fn error<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("JSON: {what} at byte {}", self.at))
    }

    fn value(&mut self) -> Result<Json, String> {
        self.space();
        if self.eat("null") {
            Ok(Json::Null)
        } else if self.eat("true") {
            Ok(Json::Bool(true))
        } else if self.eat("false") {
            Ok(Json::Bool(false))
        } else if self.eat("\"") {
            self.string().map(Json::Str)
        } else if self.eat("[") {
            let mut items = Vec::new();
            if !self.eat("]") {
                loop {
                    items.push(self.value()?);
                    if self.eat("]") {
                        break;
                    }
                    if !self.eat(",") {
                        return self.error("expected , or ]");
                    }
                }
            }
            Ok(Json::Arr(items))
        } else if self.eat("{") {
            let mut fields = Vec::new();
            if !self.eat("}") {
                loop {
                    if !self.eat("\"") {
                        return self.error("expected a key");
                    }
                    let key = self.string()?;
                    if !self.eat(":") {
                        return self.error("expected :");
                    }
                    fields.push((key, self.value()?));
                    if self.eat("}") {
                        break;
                    }
                    if !self.eat(",") {
                        return self.error("expected , or }");
                    }
                }
            }
            Ok(Json::Obj(fields))
        } else {
            let rest = &self.text[self.at..];
            let len = rest
                .find(|c: char| !matches!(c, '0'..='9' | '-' | '+' | '.' | 'e' | 'E'))
                .unwrap_or(rest.len());
            match rest[..len].parse() {
                Ok(n) if len > 0 => {
                    self.at += len;
                    Ok(Json::Num(n))
                }
                _ => self.error("unexpected character"),
            }
        }
    }

    /// The rest of a string whose opening quote was read.
    fn string(&mut self) -> Result<String, String> {
        let mut out = String::new();
        loop {
            let rest = &self.text[self.at..];
            let Some(end) = rest.find(['"', '\\']) else {
                return self.error("unterminated string");
            };
            out.push_str(&rest[..end]);
            self.at += end + 1;
            if rest.as_bytes()[end] == b'"' {
                return Ok(out);
            }
            let escape = self.text.as_bytes().get(self.at).copied();
            self.at += 1;
            match escape {
                Some(b'"') => out.push('"'),
                Some(b'\\') => out.push('\\'),
                Some(b'/') => out.push('/'),
                Some(b'b') => out.push('\u{8}'),
                Some(b'f') => out.push('\u{c}'),
                Some(b'n') => out.push('\n'),
                Some(b'r') => out.push('\r'),
                Some(b't') => out.push('\t'),
                Some(b'u') => {
                    let mut unit = self.hex4()?;
                    if (0xD800..0xDC00).contains(&unit) && self.text[self.at..].starts_with("\\u") {
                        self.at += 2;
                        let low = self.hex4()?;
                        unit = 0x10000 + ((unit - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
                    }
                    out.push(char::from_u32(unit).unwrap_or('\u{FFFD}'));
                }
                _ => return self.error("bad escape"),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.text.get(self.at..self.at + 4).unwrap_or("");
        match u32::from_str_radix(digits, 16) {
            Ok(unit) => {
                self.at += 4;
                Ok(unit)
            }
            Err(_) => self.error("bad \\u escape"),
        }
    }
}
