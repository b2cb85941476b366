//! Small self-contained SVG bar charts for reports.
//!
//! Hand-written rather than plotters: plotters' text needs its `ttf` feature and the
//! host's fontconfig, one more thing a fresh machine would have to install, for what is
//! a few rectangles and labels.

/// A grouped horizontal bar chart: one group per category, one bar per series.
pub fn bar_chart(title: &str, unit: &str, categories: &[String], series: &[(&str, Vec<f64>)]) -> String {
    const COLORS: [&str; 4] = ["#3b6ea8", "#d9822b", "#5a9a5a", "#a84a4a"];
    let bar_h = 12.0;
    let group_h = bar_h * series.len() as f64 + 8.0;
    let (left, width) = (170.0, 760.0);
    let height = 60.0 + group_h * categories.len() as f64 + 20.0 * series.len() as f64;
    let max = series.iter().flat_map(|s| s.1.iter().copied()).fold(0.0f64, f64::max).max(1e-12);
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">\n<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{}</text>\n",
        left + width + 120.0,
        esc(title)
    );
    for (ci, cat) in categories.iter().enumerate() {
        let y0 = 40.0 + ci as f64 * group_h;
        out.push_str(&format!("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", left - 6.0, y0 + group_h / 2.0, esc(cat)));
        for (si, (_, values)) in series.iter().enumerate() {
            let v = values.get(ci).copied().unwrap_or(0.0);
            let w = (v / max * width).max(0.5);
            let y = y0 + si as f64 * bar_h;
            out.push_str(&format!(
                "<rect x=\"{left}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
                bar_h - 2.0,
                COLORS[si % COLORS.len()],
                left + w + 4.0,
                y + bar_h - 3.0,
                fmt_num(v)
            ));
        }
    }
    let ly = 40.0 + categories.len() as f64 * group_h + 10.0;
    for (si, (name, _)) in series.iter().enumerate() {
        let y = ly + si as f64 * 18.0;
        out.push_str(&format!("<rect x=\"{left}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{} ({})</text>\n", COLORS[si % COLORS.len()], left + 18.0, y + 10.0, esc(name), esc(unit)));
    }
    out.push_str("</svg>\n");
    out
}

/// A number with a sensible precision for a label.
pub fn fmt_num(v: f64) -> String {
    if v >= 100.0 || v == v.trunc() { format!("{v:.0}") } else if v >= 1.0 { format!("{v:.1}") } else { format!("{v:.3}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_has_a_bar_per_value_and_escapes_names() {
        let svg = bar_chart("t<1>", "u", &["a&b".into(), "c".into()], &[("x", vec![1.0, 2.0]), ("y", vec![3.0, 0.0])]);
        assert_eq!(svg.matches("<rect").count(), 4 + 2);
        assert!(svg.contains("a&amp;b") && svg.contains("t&lt;1&gt;"));
    }
}
