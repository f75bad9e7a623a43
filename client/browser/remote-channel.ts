import { Subject } from 'rxjs';
import type { Subscription } from 'rxjs';
import type {
  MessageFromRemote,
  MessageToRemote,
  RemoteMessageChannel,
} from 'rxdb/plugins/storage-remote';
import type { DaemonSocket } from './daemon-socket.ts';

/**
 * RxDB's remote storage channel over one generation of the daemon socket. The daemon forgets a page's
 * storage connections when the socket drops, so a request sent on a later socket would wait forever;
 * instead, requests of a socket that is gone (in flight, or sent after) are answered here with an
 * error, and `close` with success, so the page's database of that generation closes cleanly and a
 * new one opens on the new socket.
 */
export function createRemoteChannel(socket: DaemonSocket): RemoteMessageChannel {
  const generation = socket.generation;
  const messages$ = new Subject<MessageFromRemote>();
  const pending = new Map<string, MessageToRemote>();
  let dead = false;
  const answerLocally = (message: MessageToRemote) => {
    const answer: MessageFromRemote = {
      connectionId: message.connectionId,
      answerTo: message.requestId,
      method: message.method,
      ...(message.method === 'close'
        ? { return: null }
        : {
            error: {
              name: 'PosError',
              message: 'POS_TERMINAL_UNREACHABLE: the terminal daemon is not connected',
              stack: '',
            },
          }),
    };
    queueMicrotask(() => messages$.next(answer));
  };
  const dieOnce = () => {
    if (dead) return;
    dead = true;
    for (const message of pending.values()) answerLocally(message);
    pending.clear();
  };
  const subscriptions: Subscription[] = [
    socket.frames$.subscribe((frame) => {
      if (frame.t !== 'rx' || dead) return;
      pending.delete(frame.m.answerTo);
      messages$.next(frame.m);
    }),
    socket.state$.subscribe((state) => {
      if (state !== 'open' || socket.generation !== generation) dieOnce();
    }),
  ];
  return {
    messages$,
    send(message) {
      if (dead || socket.generation !== generation || !socket.send({ t: 'rx', m: message })) {
        dieOnce();
        answerLocally(message);
        return;
      }
      pending.set(message.requestId, message);
    },
    async close() {
      dieOnce();
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
  };
}
