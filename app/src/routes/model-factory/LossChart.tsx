// The live loss curve: training loss per step, and evaluation loss where the trainer measured it,
// drawn with uPlot (loaded only in ModelFactory's chunk). A table of the same numbers sits behind a
// disclosure for screen readers and for copying.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { StepProgress } from "../../lib/training.ts";

function chartData(points: readonly StepProgress[]): uPlot.AlignedData {
  return [points.map((p) => p.step), points.map((p) => p.loss), points.map((p) => p.evalLoss ?? null)];
}

function chartOptions(width: number): uPlot.Options {
  const styles = getComputedStyle(document.documentElement);
  const text = styles.getPropertyValue("--muted").trim() || "#5b6270";
  const grid = styles.getPropertyValue("--line").trim() || "#dfe3ea";
  const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  return {
    width,
    height: 260,
    scales: { x: { time: false } },
    axes: [
      { ...axis, label: "step" },
      { ...axis, label: "loss", size: 60 },
    ],
    series: [
      { label: "step" },
      { label: "training loss", stroke: styles.getPropertyValue("--accent").trim() || "#2453d6", width: 2, points: { show: true, size: 5 } },
      { label: "evaluation loss", stroke: "#d97706", width: 2, dash: [6, 4], spanGaps: true, points: { show: true, size: 6 } },
    ],
    legend: { show: true },
  };
}

export function LossChart({ points }: { points: readonly StepProgress[] }) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);

  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const chart = new uPlot(chartOptions(Math.max(260, el.clientWidth)), chartData([]), el);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(260, el.clientWidth), height: 260 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(chartData(points));
  }, [points]);

  const hasEval = points.some((p) => p.evalLoss !== undefined);
  return (
    <figure className="loss-chart" data-testid="loss-chart" data-points={points.length}>
      <div ref={holder} className="loss-chart-plot" role="img" aria-label={`Loss curve: ${points.length} step(s)${points.length ? `, training loss ${points.at(-1)!.loss.toFixed(4)} at step ${points.at(-1)!.step}` : ""}`} />
      {points.length === 0 ? <figcaption className="muted small">The curve draws as the trainer reports its first steps.</figcaption> : null}
      {points.length > 0 ? (
        <details className="small">
          <summary>The numbers</summary>
          <table className="table">
            <thead>
              <tr>
                <th className="num">Step</th>
                <th className="num">Training loss</th>
                {hasEval ? <th className="num">Evaluation loss</th> : null}
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.step}>
                  <td className="num">{p.step}</td>
                  <td className="num">{p.loss.toFixed(4)}</td>
                  {hasEval ? <td className="num">{p.evalLoss === undefined ? "" : p.evalLoss.toFixed(4)}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
    </figure>
  );
}
