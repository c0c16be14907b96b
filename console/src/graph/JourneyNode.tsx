/** One canvas node on the graph: kind, label, settings summary, live figures, pinned errors, exit ports. */
import { Handle, Position, type NodeProps } from '@xyflow/react';
import type { JourneyFlowNode } from './mapping';

const KIND_COLOURS: Record<string, string> = {
  trigger: '#2f855a',
  wait: '#805ad5',
  wait_for_event: '#805ad5',
  condition: '#dd6b20',
  multi_split: '#dd6b20',
  trait_split: '#dd6b20',
  random_split: '#d53f8c',
  action: '#3182ce',
  exit: '#4a5568',
};

export function JourneyNode({ data, selected }: NodeProps<JourneyFlowNode>) {
  const colour = KIND_COLOURS[data.type] ?? '#718096';
  const hasIssues = data.issues.length > 0;
  const classes = ['je-node', selected ? 'selected' : '', hasIssues ? 'has-issues' : '', data.diff ? `diff-${data.diff}` : '', data.trail ? 'on-trail' : ''].filter(Boolean).join(' ');
  return (
    <div className={classes} data-node-id={data.nodeId} style={{ borderTopColor: colour }}>
      {data.type !== 'trigger' && <Handle type="target" position={Position.Left} id="in" />}
      <div className="je-node-kind" style={{ color: colour }}>
        {data.type}
        {data.diff && <span className={`je-diff-tag diff-${data.diff}`}>{data.diff}</span>}
      </div>
      <div className="je-node-label" title={data.label}>
        {data.label}
      </div>
      <div className="je-node-summary" title={data.summary}>
        {data.summary}
      </div>
      {data.figures && (
        <div className="je-node-figures" aria-label="figures">
          <span title="reached this node">passed {data.figures.passed}</span>
          <span title="waiting here now" className={data.figures.waiting > 0 ? 'waiting' : ''}>
            waiting {data.figures.waiting}
          </span>
          {data.figures.inProgress > 0 && <span title="here now, not waiting">in progress {data.figures.inProgress}</span>}
        </div>
      )}
      {data.trail && (
        <div className="je-node-trail" title="reached by the simulated run (virtual time)">
          ▶ {new Date(data.trail).toLocaleString()}
        </div>
      )}
      {data.test && (
        <div className="je-node-test" aria-label="backtest figures">
          <span title="entered in the backtest">backtest {data.test.simulated}</span>
          {data.test.live !== null && <span title="entered by the real runs of the same window">live {data.test.live}</span>}
        </div>
      )}
      {hasIssues && (
        <ul className="je-node-issues" role="alert">
          {data.issues.map((issue, i) => (
            <li key={i} title={issue.path}>
              {issue.field ? <b>{issue.field}: </b> : null}
              {issue.message}
            </li>
          ))}
        </ul>
      )}
      {data.ports.map((port, i) => (
        <Handle
          key={port}
          type="source"
          position={Position.Right}
          id={port}
          style={{ top: `${((i + 1) / (data.ports.length + 1)) * 100}%` }}
          title={port}
        />
      ))}
    </div>
  );
}
