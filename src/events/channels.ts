import diagnosticsChannel from 'node:diagnostics_channel';

/** Prefix of every `node:diagnostics_channel` channel the package publishes on. */
export const CHANNEL_PREFIX = 'wan-reliability:';

const cache = new Map<string, diagnosticsChannel.Channel>();

/** The diagnostics channel for an event name, e.g. `wan-reliability:circuit:open`. */
export function channelFor(event: string): diagnosticsChannel.Channel {
  let channel = cache.get(event);
  if (!channel) {
    channel = diagnosticsChannel.channel(CHANNEL_PREFIX + event);
    cache.set(event, channel);
  }
  return channel;
}

/** Publishes on the event's diagnostics channel when anyone subscribed (free otherwise). */
export function publish(event: string, payload: unknown): void {
  const channel = channelFor(event);
  if (channel.hasSubscribers) channel.publish(payload);
}
