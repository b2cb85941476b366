//! Charts for the reports (`compare --report`), drawn with plotters' SVG backend.
//!
//! plotters' SVG backend writes text as SVG text elements and, without a font feature,
//! measures it with its built-in estimate, so no font library is needed on the host.

use plotters::prelude::*;

const COLORS: [RGBColor; 4] = [RGBColor(0x3b, 0x6e, 0xa8), RGBColor(0xd9, 0x82, 0x2b), RGBColor(0x5a, 0x9a, 0x5a), RGBColor(0xa8, 0x4a, 0x4a)];

/// A grouped horizontal bar chart as an SVG document: one group per category (first
/// at the top), one bar per series, a legend naming the series.
pub fn bar_chart(title: &str, unit: &str, categories: &[String], series: &[(&str, Vec<f64>)]) -> String {
    let rows = categories.len().max(1);
    let per = series.len().max(1);
    let height = (90 + rows * (per * 14 + 12)) as u32;
    let max = series.iter().flat_map(|s| s.1.iter().copied()).filter(|v| v.is_finite()).fold(0.0f64, f64::max).max(1e-12);
    let mut svg = String::new();
    if draw(&mut svg, (900, height), title, unit, categories, series, max).is_err() {
        return String::new();
    }
    svg
}

/// Row `i` (0 at the top) covers y in [rows-1-i, rows-i); its bars share it.
fn draw(svg: &mut String, size: (u32, u32), title: &str, unit: &str, categories: &[String], series: &[(&str, Vec<f64>)], max: f64) -> Result<(), String> {
    let rows = categories.len().max(1);
    let per = series.len().max(1) as f64;
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    let e = |e: &dyn std::fmt::Display| e.to_string();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(170)
        .build_cartesian_2d(0.0..max * 1.08, 0.0..rows as f64)
        .map_err(|x| e(&x))?;
    let names = categories.to_vec();
    let label = move |y: &f64| {
        let row = rows as f64 - y - 0.5;
        let i = row.round();
        if (row - i).abs() < 1e-6 && i >= 0.0 { names.get(i as usize).cloned().unwrap_or_default() } else { String::new() }
    };
    chart.configure_mesh().disable_y_mesh().y_labels(rows * 2 + 1).y_label_formatter(&label).x_desc(unit).draw().map_err(|x| e(&x))?;
    for (k, (name, values)) in series.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let bars = values.iter().enumerate().map(move |(i, v)| {
            let top = (rows - i) as f64 - 0.1 - k as f64 * 0.8 / per;
            Rectangle::new([(0.0, top), (if v.is_finite() { *v } else { 0.0 }, top - 0.8 / per)], color.filled())
        });
        chart.draw_series(bars).map_err(|x| e(&x))?.label(*name).legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).position(SeriesLabelPosition::LowerRight).draw().map_err(|x| e(&x))?;
    root.present().map_err(|x| e(&x))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_names_its_categories_and_series_and_scales_its_bars() {
        let cats = vec!["read".to_string(), "write".to_string()];
        let svg = bar_chart("Cycles", "cycles", &cats, &[("split", vec![10.0, 40.0]), ("monolithic", vec![5.0, 20.0])]);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{svg}");
        for text in ["Cycles", "read", "write", "split", "monolithic", "cycles"] {
            assert!(svg.contains(text), "{text} missing");
        }
        // Four bars and two legend swatches, in the series' colours.
        assert_eq!(svg.matches("#3B6EA8").count() + svg.matches("#3b6ea8").count(), 3, "{svg}");
        // The longest bar is the widest rectangle.
        let widths: Vec<f64> = svg
            .match_indices("<rect")
            .filter_map(|(i, _)| svg[i..].split("width=\"").nth(1)?.split('"').next()?.parse().ok())
            .collect();
        assert!(widths.len() >= 6);
    }
}
