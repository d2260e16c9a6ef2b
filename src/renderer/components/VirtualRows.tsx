// A virtualised list of fixed-height rows: only the rows in view (plus a margin) are in the DOM,
// so ten thousand sessions scroll and filter as smoothly as ten.

import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import type { ReactNode } from 'react'

const OVERSCAN = 8

export function VirtualRows<T>(props: { items: readonly T[]; rowHeight: number; label: string; row: (item: T, index: number) => ReactNode; rowKey: (item: T) => string }) {
  const { items, rowHeight } = props
  const box = useRef<HTMLDivElement>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const [height, setHeight] = useState(600)

  useEffect(() => {
    const el = box.current
    if (el === null) return
    const observer = new ResizeObserver(() => setHeight(el.clientHeight))
    observer.observe(el)
    return () => observer.disconnect()
  }, [])

  // A shorter list (a filter typed while scrolled down) moves the browser's scroll position back.
  useLayoutEffect(() => {
    if (box.current !== null) setScrollTop(box.current.scrollTop)
  }, [items.length])

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN)
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN)
  const visible = items.slice(first, last)
  return (
    <div ref={box} className="virtual" role="rowgroup" aria-label={props.label} aria-rowcount={items.length} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <div className="virtual-spacer" style={{ height: items.length * rowHeight }}>
        {visible.map((item, i) => (
          <div key={props.rowKey(item)} role="row" aria-rowindex={first + i + 1} className="virtual-row" style={{ transform: `translateY(${(first + i) * rowHeight}px)`, height: rowHeight }}>
            {props.row(item, first + i)}
          </div>
        ))}
      </div>
    </div>
  )
}
