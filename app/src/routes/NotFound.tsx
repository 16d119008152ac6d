import { Link } from "react-router";

export default function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing lives at this address. <Link to="/">Back to the Datanets</Link>.
      </p>
    </section>
  );
}
