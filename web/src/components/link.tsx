import type { ComponentChildren } from 'preact';
import { navigate } from '../router.ts';

/** An ordinary link (opens in a new tab, copyable) that navigates in place on a plain click. */
export function Link({
  href,
  children,
  class: className,
  current,
}: {
  readonly href: string;
  readonly children: ComponentChildren;
  readonly class?: string;
  readonly current?: boolean;
}) {
  return (
    <a
      href={href}
      class={className}
      aria-current={current ? 'page' : undefined}
      onClick={(e) => {
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
