// Desktop-only: whether closing the window quits the app (and its server) or keeps it in the tray.
// Rendered only where the preload's bridge exists; a browser has nothing to choose.

import { useEffect, useState } from 'react'

export function DesktopPrefs() {
  const desktop = window.desktop
  const [quitOnClose, setQuitOnClose] = useState<boolean | null>(null)
  // Read again whenever the window comes back to the front: the tray menu can change it too.
  useEffect(() => {
    if (!desktop) return
    const read = () => void desktop.getQuitOnClose().then(setQuitOnClose, () => setQuitOnClose(null))
    read()
    window.addEventListener('focus', read)
    return () => window.removeEventListener('focus', read)
  }, [desktop])
  if (!desktop) return null
  return (
    <>
      <button className="link" onClick={() => void desktop.openConfigDir()}>
        Open config folder
      </button>
      {quitOnClose !== null && (
        <label className="inline" title="Local apps keep logging in while authdock runs in the tray">
          <input
            type="checkbox"
            checked={quitOnClose}
            onChange={(e) => {
              const next = e.target.checked
              void desktop.setQuitOnClose(next).then(() => setQuitOnClose(next))
            }}
          />
          Quit when the window closes
        </label>
      )}
    </>
  )
}
