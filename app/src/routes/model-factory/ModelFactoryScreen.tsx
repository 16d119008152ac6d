// Screen 7, ModelFactory: its own lazily loaded route (and chunk). The visual training workflow
// (data and base model, settings with an estimate, a live loss curve, cancel and resume, side-by-side
// chat, refine with the finished model as parent) builds on the trainer node's job API.
import { Link } from "react-router";
import { useServiceHealth } from "../../hooks/health.ts";

export default function ModelFactoryScreen() {
  const health = useServiceHealth();
  return (
    <section aria-labelledby="factory-title">
      <h1 id="factory-title">ModelFactory</h1>
      <p className="lede">Pick accepted data and a base model, train, watch the loss fall, chat with the result, refine and train again.</p>
      {health.trainer === false ? <p className="notice">The trainer node is not answering: training is unavailable until it is back.</p> : null}
      <p className="notice">
        The visual training workflow arrives with the trainer node's job settings and progress stream. Until then, train from the command line (<code>npx trainer jobs submit --datanet 1 --watch</code>)
        and chat with registered models on the <Link to="/models">Models</Link> page.
      </p>
    </section>
  );
}
