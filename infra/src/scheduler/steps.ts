/**
 * The one home of the schedule's ordering: the state machine is built from these lists and
 * the tests walk the Lambda through them. The data stack is never in any list: data, the
 * bucket, Redis and the image always stay.
 */
export type ScheduleMode = 'delete' | 'scale-to-zero';
export type Command = 'start' | 'stop';
export type StepName =
  | 'deleteServices'
  | 'createServices'
  | 'scaleServicesToZero'
  | 'scaleServicesUp'
  | 'stopDatabase'
  | 'startDatabase'
  | 'targetsHealthy'
  | 'dnsAnswers';

export function stepsFor(command: Command, mode: ScheduleMode): readonly StepName[] {
  if (command === 'stop') {
    // Services first: tasks talking to a stopping database would only fail health checks.
    return mode === 'delete' ? ['deleteServices', 'stopDatabase'] : ['scaleServicesToZero', 'stopDatabase'];
  }
  // The database must be available before tasks start, or the first deployment trips the circuit breaker.
  return mode === 'delete'
    ? ['startDatabase', 'createServices', 'targetsHealthy', 'dnsAnswers']
    : ['startDatabase', 'scaleServicesUp', 'targetsHealthy', 'dnsAnswers'];
}

/** What one Lambda invocation reports: `done` moves the state machine to the next step, otherwise it waits and asks again. */
export interface StepResult {
  readonly step: StepName;
  readonly done: boolean;
  readonly detail: string;
}
