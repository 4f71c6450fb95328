//! The endpoint rule of a product from the metadata's endpoint table (region → host).
//!
//! Two forms, as in the spec (`product.endpoints`, specs/README.md):
//! * **regional**: most regions have a host of the form `<prefix>.<region>.<suffix>`; the
//!   pattern is `<prefix>.{region}.<suffix>`, the central host `<prefix>.<suffix>`;
//! * **global**: more regions share one host than follow any pattern (RAM: 54 regions, all
//!   `ram.aliyuncs.com`); that host serves every region and none.
//!
//! Either way every region whose host the rule does not give is an exception, so each region of
//! the table resolves to its listed host, and an unknown region to what the rule gives.

use std::collections::BTreeMap;

/// The endpoint rule of an imported product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// `<prefix>.{region}.<suffix>` with its central host.
    Regional {
        /// `ecs.{region}.aliyuncs.com`
        pattern: String,
        /// `ecs.aliyuncs.com`
        central: String,
    },
    /// One host for every region.
    Global(String),
}

/// A product's endpoints: the rule and the regions whose host breaks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The rule.
    pub rule: Rule,
    /// Region → host, for the regions the rule gets wrong.
    pub exceptions: BTreeMap<String, String>,
}

impl Endpoints {
    /// The host the rule gives `region` (exceptions aside).
    fn by_rule(&self, region: &str) -> String {
        match &self.rule {
            Rule::Regional { pattern, .. } => pattern.replace("{region}", region),
            Rule::Global(host) => host.clone(),
        }
    }

    /// The host of `region`: its exception, else the rule's.
    pub fn host_for(&self, region: &str) -> String {
        self.exceptions
            .get(region)
            .cloned()
            .unwrap_or_else(|| self.by_rule(region))
    }
}

/// The endpoints of the table `(region, host)`; `code` names the default pattern of an empty
/// table (`<code>.{region}.aliyuncs.com`).
pub fn infer(table: &[(String, String)], code: &str) -> Endpoints {
    let mut forms: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut hosts: BTreeMap<&str, usize> = BTreeMap::new();
    for (region, host) in table {
        if let Some((prefix, suffix)) = host.split_once(&format!(".{region}.")) {
            *forms
                .entry((prefix.to_owned(), suffix.to_owned()))
                .or_default() += 1;
        }
        *hosts.entry(host).or_default() += 1;
    }
    // The most common form and host; ties go to the first in order, so the result is stable.
    let form = forms
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(form, count)| (form.clone(), *count));
    let shared = hosts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(host, count)| ((*host).to_owned(), *count));
    let rule = match (form, shared) {
        (form, Some((host, shared))) if shared > form.as_ref().map_or(0, |f| f.1) => {
            Rule::Global(host)
        }
        (form, _) => {
            let (prefix, suffix) = form
                .map(|f| f.0)
                .unwrap_or_else(|| (code.to_ascii_lowercase(), "aliyuncs.com".to_owned()));
            Rule::Regional {
                pattern: format!("{prefix}.{{region}}.{suffix}"),
                central: format!("{prefix}.{suffix}"),
            }
        }
    };
    let mut endpoints = Endpoints {
        rule,
        exceptions: BTreeMap::new(),
    };
    endpoints.exceptions = table
        .iter()
        .filter(|(region, host)| *host != endpoints.by_rule(region))
        .map(|(region, host)| (region.clone(), host.clone()))
        .collect();
    endpoints
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[(&str, &str)]) -> Vec<(String, String)> {
        rows.iter()
            .map(|(r, h)| ((*r).to_owned(), (*h).to_owned()))
            .collect()
    }

    #[test]
    fn one_host_for_most_regions_is_global() {
        let rows = table(&[
            ("cn-hangzhou", "ram.aliyuncs.com"),
            ("cn-beijing", "ram.aliyuncs.com"),
            ("ap-southeast-1", "ram.aliyuncs.com"),
            (
                "cn-shanghai-finance-1",
                "ram.cn-shanghai-finance-1.aliyuncs.com",
            ),
        ]);
        let e = infer(&rows, "Ram");
        assert_eq!(e.rule, Rule::Global("ram.aliyuncs.com".into()));
        assert_eq!(e.exceptions.len(), 1);
        for (region, host) in &rows {
            assert_eq!(&e.host_for(region), host);
        }
        assert_eq!(e.host_for("cn-guangzhou"), "ram.aliyuncs.com");
    }

    #[test]
    fn a_pattern_most_regions_follow_is_regional() {
        let rows = table(&[
            ("cn-qingdao", "ecs.cn-qingdao.aliyuncs.com"),
            ("cn-beijing", "ecs.cn-beijing.aliyuncs.com"),
            ("cn-hangzhou-finance", "ecs.aliyuncs.com"),
        ]);
        let e = infer(&rows, "Ecs");
        assert_eq!(
            e.rule,
            Rule::Regional {
                pattern: "ecs.{region}.aliyuncs.com".into(),
                central: "ecs.aliyuncs.com".into()
            }
        );
        assert_eq!(e.host_for("cn-hangzhou-finance"), "ecs.aliyuncs.com");
        assert_eq!(e.host_for("xx-new-1"), "ecs.xx-new-1.aliyuncs.com");
    }

    #[test]
    fn an_empty_table_gets_the_code_pattern() {
        let e = infer(&[], "Demo");
        assert_eq!(e.host_for("cn-x"), "demo.cn-x.aliyuncs.com");
        assert!(e.exceptions.is_empty());
    }
}
