//! DESIGN.md section 5: the layers point one way. Rules (`domain`) know nothing of storage or
//! front ends; SQL (`store`) knows the rules only; the one door (`ops`) knows no front end; the
//! importer knows the rules only; and nothing but the command line reaches into `cli`. Read from
//! the sources, so a new `use` that points the wrong way fails here.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/<dir>`, or `src/<dir>.rs`.
fn sources(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let mut pending = vec![root.join(dir)];
    let single = root.join(format!("{dir}.rs"));
    if single.is_file() {
        found.push(single);
    }
    while let Some(path) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }
    assert!(!found.is_empty(), "no sources for {dir}");
    found
}

/// The `crate::MODULE` paths a file's code (not its comments) names.
fn modules_named(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut named = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            // `crate::{store::x, ops::y}` names each of its first segments.
            let paths: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group.split(',').collect(),
                None => vec![rest],
            };
            for path in paths {
                let module: String = path
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                named.push((index + 1, module));
            }
        }
    }
    named
}

#[test]
fn rule_the_layers_point_one_way() {
    let front_ends = ["cli", "tui"];
    let cases: [(&str, &[&str]); 5] = [
        (
            "domain",
            &[
                "store", "ops", "cli", "tui", "import", "export", "notify", "auth", "config",
                "bench", "i18n",
            ],
        ),
        (
            "store",
            &["ops", "cli", "tui", "import", "export", "notify", "bench"],
        ),
        (
            "import",
            &["store", "ops", "cli", "tui", "export", "notify"],
        ),
        ("ops", &["cli", "tui", "export", "notify", "bench"]),
        ("export", &front_ends),
    ];
    let mut wrong = Vec::new();
    for (layer, forbidden) in cases {
        for file in sources(layer) {
            for (line, module) in modules_named(&file) {
                if forbidden.contains(&module.as_str()) {
                    wrong.push(format!("{}:{line} uses crate::{module}", file.display()));
                }
            }
        }
    }
    for layer in [
        "domain", "store", "ops", "import", "export", "notify", "tui", "bench",
    ] {
        for file in sources(layer) {
            for (line, module) in modules_named(&file) {
                if module == "cli" {
                    wrong.push(format!("{}:{line} uses crate::cli", file.display()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "layers pointing the wrong way:\n{}",
        wrong.join("\n")
    );
}
