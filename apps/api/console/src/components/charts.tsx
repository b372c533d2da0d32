import { Link } from 'react-router';
import { countAxis, shortNumber, stack, ticks, total } from '../lib/chart';

export interface SeriesKey<K extends string> {
  readonly key: K;
  readonly label: string;
  /** CSS class giving the fill (styles.css: .fill-*). */
  readonly fill: string;
}

const W = 720;
const H = 220;
const PAD = { left: 44, right: 8, top: 8, bottom: 28 };

function hourLabel(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

/**
 * Stacked bars over time, drawn as SVG (no chart library: one component, no inline styles, nothing the CSP must
 * allow). Screen readers get the same numbers as a table (visually hidden), and each bar has a tooltip title.
 */
export function StackedBars<K extends string>(props: {
  title: string;
  buckets: readonly { at: string; values: Readonly<Record<K, number>> }[];
  keys: readonly SeriesKey<K>[];
}) {
  const keys = props.keys.map((k) => k.key);
  const axis = countAxis(Math.max(0, ...props.buckets.map((b) => total(b.values, keys))));
  const max = axis.max;
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const slot = innerW / Math.max(1, props.buckets.length);
  const barW = Math.max(1, slot * 0.8);
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const labelEvery = Math.max(1, Math.ceil(props.buckets.length / 8));
  const fillOf = new Map(props.keys.map((k) => [k.key, k.fill]));
  return (
    <figure className="chart">
      <figcaption>{props.title}</figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${props.title} (the table below has the numbers)`}
      >
        {ticks(max, axis.steps).map((t) => (
          <g key={t}>
            <line className="grid" x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text className="axis" x={PAD.left - 6} y={y(t) + 4} textAnchor="end">
              {shortNumber(t)}
            </text>
          </g>
        ))}
        {props.buckets.map((b, i) => {
          const x = PAD.left + i * slot + (slot - barW) / 2;
          return (
            <g key={b.at}>
              {stack(b.values, keys).map((s) => (
                <rect
                  key={s.key}
                  className={fillOf.get(s.key)}
                  x={x}
                  width={barW}
                  y={y(s.to)}
                  height={Math.max(0, y(s.from) - y(s.to))}
                >
                  <title>{`${hourLabel(b.at)} UTC — ${props.keys.find((k) => k.key === s.key)?.label}: ${s.to - s.from}`}</title>
                </rect>
              ))}
              {i % labelEvery === 0 ? (
                <text className="axis" x={x + barW / 2} y={H - 8} textAnchor="middle">
                  {hourLabel(b.at)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <ul className="legend">
        {props.keys.map((k) => (
          <li key={k.key}>
            <span className={`swatch ${k.fill}`} aria-hidden="true" />
            {k.label}
          </li>
        ))}
      </ul>
      <div className="visually-hidden">
        <table>
          <caption>{props.title}</caption>
          <thead>
            <tr>
              <th scope="col">Time (UTC)</th>
              {props.keys.map((k) => (
                <th scope="col" key={k.key}>
                  {k.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.buckets.map((b) => (
              <tr key={b.at}>
                <th scope="row">{hourLabel(b.at)}</th>
                {props.keys.map((k) => (
                  <td key={k.key}>{b.values[k.key] ?? 0}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

/** A ranked list with proportional bars (the numbers are text; the bar is decoration). */
export function RankedList(props: {
  title: string;
  rows: readonly { label: string; value: number; href?: string; note?: string }[];
  empty: string;
}) {
  const max = Math.max(1, ...props.rows.map((r) => r.value));
  return (
    <section className="ranked" aria-label={props.title}>
      <h3>{props.title}</h3>
      {props.rows.length === 0 ? (
        <p className="empty">{props.empty}</p>
      ) : (
        <ol>
          {props.rows.map((r) => (
            <li key={r.label}>
              <span className="ranked-label">
                {r.href ? <Link to={r.href}>{r.label}</Link> : r.label}
                {r.note ? <small className="muted"> {r.note}</small> : null}
              </span>
              <span className="ranked-value">{r.value}</span>
              <span className="ranked-bar" aria-hidden="true">
                <span style={{ width: `${(r.value / max) * 100}%` }} />
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
