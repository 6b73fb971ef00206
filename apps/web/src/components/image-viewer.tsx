import { lazy, Suspense, useEffect } from 'react';
import type { Attachment } from '@chatchat/protocol';
import { createValueStore, useValue } from '../external-store';

/** Loaded on the first open: most visits never open an image. */
const ImageViewer = lazy(() => import('./image-viewer-dialog'));

/** The image shown full size. Held outside the list: a virtualised row may remount any time. */
const viewerStore = createValueStore<Attachment | null>(null);

export const openImageViewer = (a: Attachment) => viewerStore.set(a);

/** Mounted once beside the message list. */
export function ImageViewerHost() {
  const a = useValue(viewerStore);
  useEffect(() => () => viewerStore.set(null), []);
  if (!a) return null;
  return (
    <Suspense fallback={null}>
      <ImageViewer
        key={a.id}
        attachment={a}
        onClose={() => {
          viewerStore.set(null);
          // The dialog gives focus back to its opener; if that row was remounted meanwhile, to its new copy.
          requestAnimationFrame(() => {
            if (document.activeElement === document.body)
              document.querySelector<HTMLElement>(`.att-image[data-attachment="${CSS.escape(a.id)}"]`)?.focus();
          });
        }}
      />
    </Suspense>
  );
}
