/* global self, clients, URL */
/**
 * The web client's service worker (docs/api.md §15.3): it shows the pushes the server sends
 * while no tab of the chat is open (a PushMessage: title, body, thread), one notification per
 * thread, and opens or focuses the chat on that thread when the notification is clicked.
 */

self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(clients.claim()))

self.addEventListener('push', (event) => {
  let push
  try {
    push = event.data.json()
  } catch {
    return
  }
  if (push?.type !== 'message' || typeof push.thread !== 'string') return
  event.waitUntil(
    self.registration.showNotification(String(push.title), {
      body: String(push.body),
      icon: '/favicon.svg',
      // A newer message of the same thread replaces the notice of the one before.
      tag: `thread:${push.thread}`,
      renotify: true,
      data: { thread: push.thread },
    }),
  )
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const thread = event.notification.data?.thread
  const url = new URL(typeof thread === 'string' && /^[0-9a-f-]{36}$/i.test(thread) ? `/#/t/${thread}` : '/', self.location.origin).href
  event.waitUntil(
    clients.matchAll({ type: 'window', includeUncontrolled: true }).then((tabs) => {
      const tab = tabs.find((candidate) => new URL(candidate.url).origin === self.location.origin)
      if (!tab) return clients.openWindow(url)
      // The page routes by its hash: it opens the thread itself, without a reload.
      tab.postMessage({ type: 'open-thread', thread })
      return tab.focus()
    }),
  )
})
