/**
 * A progress line for long steps (synth, terraform init/plan/apply): on a terminal, a spinner with
 * the elapsed time rewritten in place on stderr; otherwise one line when the step starts and one
 * when it ends, so CI logs stay readable.
 */

export interface Step {
  /** Ends the step: `ok` picks the mark, `note` is appended (e.g. "+3 ~1 -0"). */
  done(ok: boolean, note?: string): void;
}

export interface Progress {
  start(label: string): Step;
}

export interface ProgressOptions {
  tty: boolean;
  write: (text: string) => void;
  now: () => number;
  /** Redraw interval on a terminal. */
  intervalMs?: number;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

export function createProgress(options: ProgressOptions): Progress {
  return {
    start(label) {
      const started = options.now();
      const elapsed = () => formatElapsed(options.now() - started);
      if (!options.tty) {
        options.write(`… ${label}\n`);
        return {
          done(ok, note) {
            options.write(`${ok ? '✔' : '✖'} ${label} (${elapsed()})${note ? `: ${note}` : ''}\n`);
          },
        };
      }
      let frame = 0;
      const draw = () => options.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${label} ${elapsed()}`);
      draw();
      const timer = setInterval(draw, options.intervalMs ?? 100);
      return {
        done(ok, note) {
          clearInterval(timer);
          options.write(`\r\x1b[2K${ok ? '✔' : '✖'} ${label} (${elapsed()})${note ? `: ${note}` : ''}\n`);
        },
      };
    },
  };
}

/** A progress indicator that prints nothing (JSON output, tests). */
export const silentProgress: Progress = { start: () => ({ done: () => undefined }) };
