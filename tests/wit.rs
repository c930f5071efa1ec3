//! The WIT package names each version and role exactly as the crate does.

use websocket_engine::{Role, Version};

/// The case names of `enum NAME { ... }` in the WIT text, comments left out.
fn enum_cases(wit: &str, name: &str) -> Vec<String> {
    let start = wit
        .find(&format!("enum {name} {{"))
        .unwrap_or_else(|| panic!("no enum {name}"));
    let body = &wit[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find('}').unwrap()];
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .map(|l| l.trim_end_matches(',').to_owned())
        .collect()
}

#[test]
fn versions_and_roles_match_the_crate() {
    let wit = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/wit/types.wit")).unwrap();
    let versions: Vec<String> = Version::ALL.iter().map(|v| v.name().to_owned()).collect();
    assert_eq!(enum_cases(&wit, "version"), versions);
    let roles: Vec<String> = [Role::Client, Role::Server]
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert_eq!(enum_cases(&wit, "role"), roles);
}
