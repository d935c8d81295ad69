// Palette, canvas and side panel, laid out; shared by the flow editor page and the canvas benchmark.
import { useReactFlow, type ColorMode } from '@xyflow/react';
import { useCallback, useEffect, useRef, type ReactNode } from 'react';
import type { NodeTypeInfo } from '../api/schemas';
import { Palette } from '../panels/palette';
import { useEditor, useEditorStoreApi } from '../store/context';
import { Canvas } from './canvas';

/** Drops a node in the middle of the visible canvas, or the nearest spot there that no node covers. */
function useAddAtCenter(wrapper: React.RefObject<HTMLDivElement | null>) {
  const store = useEditorStoreApi();
  const { screenToFlowPosition } = useReactFlow();
  return useCallback(
    (info: NodeTypeInfo) => {
      const box = wrapper.current?.getBoundingClientRect();
      const centre = box ? screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 }) : { x: 0, y: 0 };
      const size = { width: 230, height: 120 };
      const boxes = store.getState().nodes.map((node) => ({ x: node.position.x, y: node.position.y, width: node.measured?.width ?? size.width, height: node.measured?.height ?? size.height }));
      const free = (at: { x: number; y: number }) =>
        boxes.every((other) => at.x + size.width + 20 <= other.x || other.x + other.width + 20 <= at.x || at.y + size.height + 20 <= other.y || other.y + other.height + 20 <= at.y);
      const start = { x: Math.round(centre.x - size.width / 2), y: Math.round(centre.y - size.height / 2) };
      // Rings of candidate spots around the centre, nearest first.
      let at = start;
      search: for (let ring = 0; ring < 12; ring += 1) {
        for (let dx = -ring; dx <= ring; dx += 1) {
          for (let dy = -ring; dy <= ring; dy += 1) {
            if (Math.max(Math.abs(dx), Math.abs(dy)) !== ring) continue;
            const candidate = { x: start.x + dx * (size.width + 30), y: start.y + dy * (size.height + 30) };
            if (free(candidate)) {
              at = candidate;
              break search;
            }
          }
        }
      }
      store.getState().addNode(info.type, info.version, at);
    },
    [store, screenToFlowPosition, wrapper],
  );
}

function NoticeBar() {
  const notice = useEditor((state) => state.notice);
  const dismiss = useEditor((state) => state.dismissNotice);
  useEffect(() => {
    if (!notice) return;
    const timer = window.setTimeout(() => dismiss(notice.id), notice.kind === 'error' ? 9000 : 4000);
    return () => window.clearTimeout(timer);
  }, [notice, dismiss]);
  if (!notice) return null;
  return (
    <div className={`notice notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-notice={notice.kind}>
      <span>{notice.text}</span>
      <button type="button" className="ghost" aria-label="Dismiss" onClick={() => dismiss(notice.id)}>×</button>
    </div>
  );
}

export function Workbench({ colorMode, side, toolbar }: { colorMode: ColorMode; side: ReactNode; toolbar?: ReactNode }) {
  const wrapper = useRef<HTMLDivElement | null>(null);
  const addAtCenter = useAddAtCenter(wrapper);
  return (
    <div className="workbench">
      {toolbar}
      <div className="workbench-body">
        <Palette onAdd={addAtCenter} />
        <div className="canvas-wrap" ref={wrapper}>
          <Canvas colorMode={colorMode} />
          <NoticeBar />
        </div>
        <aside className="side-panel" aria-label="Details">{side}</aside>
      </div>
    </div>
  );
}
