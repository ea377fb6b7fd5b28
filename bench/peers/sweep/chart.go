package main

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// colors are the bar colors, by server name; wsframe's stands out.
var colors = map[string]string{
	"wsframe": "#d62728",
	"gorilla": "#1f77b4",
	"gobwas":  "#2ca02c",
	"gws":     "#ff7f0e",
	"coder":   "#9467bd",
}

const (
	chartWidth  = 1200.0
	chartMargin = 20.0
	plotHeight  = 200.0
	fontFamily  = "DejaVu Sans, Helvetica, Arial, sans-serif"
)

// chart draws two rows of bar charts, one panel per case with a scale of
// its own: messages per second, and server CPU time per message. Whiskers
// span the lowest and highest round.
func chart(meta *Meta, summary []*Summary) []byte {
	var body strings.Builder
	y := 34.0
	title, load := "Echo servers compared", "Binary messages"
	if meta.Deflate {
		title, load = "Echo servers compared with permessage-deflate", "Text messages compressed"
		if meta.Payload == "json" {
			load = "Text messages (a JSON feed) compressed"
		}
		if meta.Takeover {
			load += ", context takeover"
		} else {
			load += ", no context takeover"
		}
	}
	text(&body, chartMargin, y, 18, "start", "bold", fmt.Sprintf("%s, %s", title, meta.Date.Format("2006-01-02")))
	y += 20
	text(&body, chartMargin, y, 12, "start", "", fmt.Sprintf(
		"%s, one in flight per connection; %s per run; medians of %d rounds (whiskers: lowest and highest). Server: GOMAXPROCS=1, taskset -c %s; client: GOMAXPROCS=1, taskset -c %s.",
		load, meta.Duration, meta.Rounds, meta.ServerCPU, meta.ClientCPU))
	y += 16
	text(&body, chartMargin, y, 12, "start", "", meta.Machine+"; "+meta.Go+".")
	y += 24
	x := chartMargin
	for _, s := range meta.Servers {
		fmt.Fprintf(&body, `<rect x="%.1f" y="%.1f" width="12" height="12" fill="%s"/>`+"\n", x, y-11, colors[s.Name])
		text(&body, x+17, y, 13, "start", "", s.Label)
		x += 17 + 7.4*float64(len(s.Label)) + 24
	}
	y += 22
	y = panels(&body, y, meta, summary, "Messages per second (higher is better)",
		func(s *Summary) Stat { return s.MsgsPerSec }, short)
	y = panels(&body, y+10, meta, summary, "Server CPU time per echoed message, µs (lower is better)",
		func(s *Summary) Stat { return s.ServerCPUusPerMsg }, sig3)

	var out strings.Builder
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="%s">`+"\n",
		chartWidth, y+10, chartWidth, y+10, fontFamily)
	fmt.Fprintf(&out, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	out.WriteString(body.String())
	out.WriteString("</svg>\n")
	return []byte(out.String())
}

// panels draws one row of panels from top y and returns the y below it.
func panels(b *strings.Builder, y float64, meta *Meta, summary []*Summary, title string, value func(*Summary) Stat, format func(float64) string) float64 {
	text(b, chartMargin, y+14, 15, "start", "bold", title)
	y += 30
	panelWidth := (chartWidth - 2*chartMargin) / float64(len(meta.Cases))
	bottom := y + 14 + plotHeight
	for i, c := range meta.Cases {
		left := chartMargin + float64(i)*panelWidth
		plotLeft, plotRight := left+44, left+panelWidth-10
		var rows []*Summary
		high := 0.0
		for _, s := range summary {
			if s.Case == c {
				rows = append(rows, s)
				high = math.Max(high, value(s).Max)
			}
		}
		step, axisTop := niceScale(high)
		scale := func(v float64) float64 { return bottom - v/axisTop*plotHeight }
		for t := 0.0; t <= axisTop*1.0001; t += step {
			ty := scale(t)
			fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", plotLeft, ty, plotRight, ty)
			text(b, plotLeft-4, ty+4, 10, "end", "", tick(format(t)))
		}
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444"/>`+"\n", plotLeft, bottom, plotRight, bottom)
		slot := (plotRight - plotLeft) / float64(len(rows))
		for j, s := range rows {
			cx := plotLeft + slot*(float64(j)+0.5)
			w := slot * 0.72
			if s.Runs == 0 {
				text(b, cx, bottom-4, 9, "middle", "", "n/a")
				continue
			}
			st := value(s)
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s, %s: %s</title></rect>`+"\n",
				cx-w/2, scale(st.Median), w, bottom-scale(st.Median), colors[s.Server], html.EscapeString(s.Label), c, format(st.Median))
			if st.Max > st.Min {
				fmt.Fprintf(b, `<path d="M%.1f %.1fV%.1fM%.1f %.1fh%.1fM%.1f %.1fh%.1f" stroke="#222" fill="none"/>`+"\n",
					cx, scale(st.Min), scale(st.Max), cx-3, scale(st.Min), 6.0, cx-3, scale(st.Max), 6.0)
			}
			text(b, cx, math.Min(scale(st.Median), scale(st.Max))-4, 10, "middle", "", format(st.Median))
		}
		conns := "conns"
		if c.Conns == 1 {
			conns = "conn"
		}
		text(b, (plotLeft+plotRight)/2, bottom+18, 13, "middle", "bold", fmt.Sprintf("%d %s x %s", c.Conns, conns, sizeName(c.Size)))
	}
	return bottom + 30
}

// niceScale picks a tick step of 1, 2 or 5 times a power of ten that
// divides the axis into at most five parts, and the axis top.
func niceScale(high float64) (step, top float64) {
	if high <= 0 {
		return 0.25, 1
	}
	raw := high * 1.12 / 5 // leave room for the labels above the bars
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	switch f := raw / p; {
	case f <= 1:
		step = p
	case f <= 2:
		step = 2 * p
	case f <= 5:
		step = 5 * p
	default:
		step = 10 * p
	}
	return step, math.Ceil(high*1.12/step) * step
}

// tick drops the zeros after the decimal point that short and sig3 keep
// for alignment: "5.00k" becomes "5k", "2.50" becomes "2.5".
func tick(s string) string {
	num, suffix := s, ""
	if n := len(s); n > 0 && (s[n-1] == 'k' || s[n-1] == 'M') {
		num, suffix = s[:n-1], s[n-1:]
	}
	if strings.Contains(num, ".") {
		num = strings.TrimRight(strings.TrimRight(num, "0"), ".")
	}
	return num + suffix
}

func text(b *strings.Builder, x, y, size float64, anchor, weight, s string) {
	w := ""
	if weight != "" {
		w = fmt.Sprintf(` font-weight="%s"`, weight)
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="%.0f" text-anchor="%s"%s>%s</text>`+"\n", x, y, size, anchor, w, html.EscapeString(s))
}
