//! `campaign --report FILE.html` (and `campaign-merge --report`): a self-contained page
//! of a campaign's outcomes, with charts drawn by `plot`: what share of the faults that
//! fired each configuration survived, by outcome, by target service and by fault kind.

use crate::compare::html_escape;
use crate::plot::bar_chart;
use std::collections::BTreeMap;

/// One run's outcome: a line of the JSON output.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    pub run: u64,
    pub config: String,
    pub inject: String,
    /// The fault actually fired (a trigger past the workload's last call does not).
    pub fired: bool,
    pub status: i32,
    pub correct: bool,
    pub kernel_crash: bool,
    pub restarts: u64,
    pub silent_corruption: bool,
    pub app_visible_failure: bool,
    pub hung: bool,
    pub wall_s: f64,
}

/// Counts of one group of runs (a configuration, or a configuration and a target);
/// also the campaign's printed summary.
#[derive(Default, Clone, Copy)]
pub struct Tally {
    pub runs: u64,
    pub fired: u64,
    pub correct: u64,
    pub visible: u64,
    pub crashes: u64,
    pub silent: u64,
    pub hung: u64,
    pub restarts: u64,
}

impl Tally {
    pub fn add(&mut self, r: &RunRecord) {
        self.runs += 1;
        if !r.fired {
            return;
        }
        self.fired += 1;
        self.correct += r.correct as u64;
        self.visible += r.app_visible_failure as u64;
        self.crashes += r.kernel_crash as u64;
        self.silent += r.silent_corruption as u64;
        self.hung += r.hung as u64;
        self.restarts += r.restarts;
    }

    /// `n` as a percentage of the faults that fired (0 when none did).
    pub fn pct(&self, n: u64) -> f64 {
        if self.fired == 0 {
            0.0
        } else {
            100.0 * n as f64 / self.fired as f64
        }
    }
}

/// The target service and fault kind of a record (`vfs:wild-write:after=3:seed=..`).
fn target_and_kind(r: &RunRecord) -> (String, String) {
    let mut parts = r.inject.split(':');
    let target = parts.next().unwrap_or("?").to_string();
    let kind = parts.next().unwrap_or("?").to_string();
    (target, kind)
}

const CONFIGS: [&str; 2] = ["split", "monolithic"];

/// Per configuration, per key (target or kind): the tallies, keys in name order.
fn by_key(records: &[RunRecord], key: impl Fn(&RunRecord) -> String) -> BTreeMap<String, [Tally; 2]> {
    let mut m: BTreeMap<String, [Tally; 2]> = BTreeMap::new();
    for r in records {
        if let Some(c) = CONFIGS.iter().position(|c| *c == r.config) {
            m.entry(key(r)).or_default()[c].add(r);
        }
    }
    m
}

/// A chart of the share of fired faults with correct output, split against
/// monolithic, one row per key.
fn correct_chart(title: &str, groups: &BTreeMap<String, [Tally; 2]>) -> String {
    let names: Vec<String> = groups.keys().cloned().collect();
    let series: Vec<(&str, Vec<f64>)> = CONFIGS.iter().enumerate().map(|(c, name)| (*name, groups.values().map(|t| t[c].pct(t[c].correct)).collect())).collect();
    bar_chart(title, "% of fired faults with correct output", &names, &series)
}

/// The whole page.
pub fn html(title: &str, records: &[RunRecord]) -> String {
    let all = by_key(records, |_| "all".to_string());
    let totals = all.get("all").copied().unwrap_or_default();
    let mut rows = String::new();
    for (c, name) in CONFIGS.iter().enumerate() {
        let t = totals[c];
        rows += &format!(
            "<tr><th>{name}</th><td>{}</td><td>{}</td><td>{:.1}%</td><td>{:.1}%</td><td>{:.1}%</td><td>{:.1}%</td><td>{:.1}%</td><td>{}</td></tr>\n",
            t.runs,
            t.fired,
            t.pct(t.correct),
            t.pct(t.visible),
            t.pct(t.crashes),
            t.pct(t.silent),
            t.pct(t.hung),
            t.restarts
        );
    }
    let outcomes = ["correct output", "application-visible failure", "kernel crash", "silent corruption", "hung"];
    let series: Vec<(&str, Vec<f64>)> = outcomes
        .iter()
        .enumerate()
        .map(|(k, o)| {
            let v = CONFIGS
                .iter()
                .enumerate()
                .map(|(c, _)| {
                    let t = totals[c];
                    t.pct([t.correct, t.visible, t.crashes, t.silent, t.hung][k])
                })
                .collect();
            (*o, v)
        })
        .collect();
    let configs: Vec<String> = CONFIGS.iter().map(|s| s.to_string()).collect();
    let outcome_chart = bar_chart("Outcome of the faults that fired", "% of fired faults", &configs, &series);
    let targets = correct_chart("Correct output by target service", &by_key(records, |r| target_and_kind(r).0));
    let kinds = correct_chart("Correct output by fault kind", &by_key(records, |r| target_and_kind(r).1));
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>grantix campaign</title><style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:2px 8px;text-align:right}}</style></head><body>\n\
         <h1>grantix campaign: {}</h1>\n<p>{} runs. Percentages are of the runs whose injected fault fired.</p>\n\
         <table><tr><th>config</th><th>runs</th><th>fired</th><th>correct</th><th>visible failure</th><th>kernel crash</th><th>silent corruption</th><th>hung</th><th>restarts</th></tr>\n{rows}</table>\n{outcome_chart}\n{targets}\n{kinds}\n</body></html>\n",
        html_escape(title),
        records.len(),
    )
}

/// Writes the page, logging (not failing the campaign) when it cannot.
pub fn write(path: &std::path::Path, title: &str, records: &[RunRecord]) {
    if let Err(e) = std::fs::write(path, html(title, records)) {
        tracing::error!(target: "grantix", "campaign: cannot write {}: {e}", path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(config: &str, inject: &str, fired: bool, correct: bool) -> RunRecord {
        RunRecord {
            run: 0,
            config: config.into(),
            inject: inject.into(),
            fired,
            status: 0,
            correct,
            kernel_crash: config == "monolithic" && fired && !correct,
            restarts: 0,
            silent_corruption: false,
            app_visible_failure: config == "split" && fired && !correct,
            hung: false,
            wall_s: 0.0,
        }
    }

    #[test]
    fn the_page_counts_fired_faults_per_configuration_target_and_kind() {
        let records = [
            rec("split", "vfs:null:after=1:seed=1", true, true),
            rec("split", "vfs:panic:after=1:seed=2", true, false),
            rec("split", "tty:null:after=9:seed=3", false, false),
            rec("monolithic", "vfs:null:after=1:seed=1", true, false),
        ];
        let page = html("w <x>", &records);
        assert!(page.contains("grantix campaign: w &lt;x&gt;"));
        // split: 3 runs, 2 fired, 1 correct (50%), 1 visible; monolithic: 1 fired, crashed.
        assert!(page.contains("<tr><th>split</th><td>3</td><td>2</td><td>50.0%</td><td>50.0%</td><td>0.0%</td>"), "{page}");
        assert!(page.contains("<tr><th>monolithic</th><td>1</td><td>1</td><td>0.0%</td><td>0.0%</td><td>100.0%</td>"), "{page}");
        assert_eq!(page.matches("<svg").count(), 3);
        for label in ["vfs", "tty", "null", "panic", "Correct output by target service"] {
            assert!(page.contains(label), "{label}");
        }
        let groups = by_key(&records, |r| target_and_kind(r).0);
        assert_eq!(groups["vfs"][0].fired, 2);
        assert_eq!(groups["tty"][0].fired, 0);
    }
}
