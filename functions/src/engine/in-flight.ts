// The run ledger's in-flight index, as the engine uses it (ledger/in-flight.ts).
import { InFlightIndex } from '../ledger/in-flight';
import type { StepContext } from './context';

export const inFlight = (ctx: StepContext): InFlightIndex =>
  new InFlightIndex(ctx.ports.store, ctx.config.artifactsBucket);
