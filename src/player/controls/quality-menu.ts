import Hls from 'hls.js';
import { iconButton } from './control-button';
import { menuKeys } from './menu-keys';
import type { HlsAware, PlayerContext } from './player-context';

/**
 * Quality: Auto (hls.js picks by bandwidth, `currentLevel = -1`) or one rendition of the event's
 * ladder. Only shown when there is a choice, and only with hls.js (native HLS picks by itself).
 */
export function qualityMenu(ctx: PlayerContext): { element: HTMLElement } & HlsAware {
  const { labels } = ctx;
  const wrap = document.createElement('div');
  wrap.className = 'sg-menu-wrap sg-quality';
  wrap.hidden = true;
  const button = iconButton('sg-quality-button', 'quality', labels.quality);
  const current = document.createElement('span');
  current.className = 'sg-quality-current';
  button.append(current);
  button.setAttribute('aria-haspopup', 'menu');
  button.setAttribute('aria-expanded', 'false');
  const menu = document.createElement('div');
  menu.className = 'sg-menu';
  menu.setAttribute('role', 'menu');
  menu.setAttribute('aria-label', labels.quality);
  menu.hidden = true;
  menu.id = 'sg-quality-menu';
  button.setAttribute('aria-controls', menu.id);
  wrap.append(button, menu);

  let hls: Hls | null = null;
  const items = () => Array.from(menu.querySelectorAll<HTMLElement>('[role="menuitemradio"]'));
  const playingHeight = () => (hls && hls.currentLevel >= 0 ? hls.levels[hls.currentLevel]?.height : undefined);
  const render = () => {
    const levels = hls?.levels ?? [];
    wrap.hidden = levels.length < 2;
    const height = playingHeight();
    const auto = !hls || hls.autoLevelEnabled;
    // "Auto (720p)" says what Auto chose; a fixed choice names itself.
    current.textContent = auto ? `${labels.auto}${height ? ` (${height}p)` : ''}` : height ? `${height}p` : '';
    button.setAttribute('aria-label', `${labels.quality}: ${current.textContent}`);
    for (const item of items()) {
      const index = Number(item.dataset.level);
      item.setAttribute('aria-checked', String(auto ? index === -1 : index === hls?.currentLevel));
    }
  };
  const choose = (level: number) => {
    if (!hls) return;
    hls.currentLevel = level; // switches now (flushing what was buffered), not at the next segment
    close(true);
    render();
  };
  const build = () => {
    const levels = (hls?.levels ?? []).map((level, index) => ({ index, height: level.height, bitrate: level.bitrate }));
    levels.sort((a, b) => b.height - a.height || b.bitrate - a.bitrate);
    const entries = [{ index: -1, text: labels.auto }, ...levels.map((l) => ({ index: l.index, text: l.height ? `${l.height}p` : `${Math.round(l.bitrate / 1000)} kbit/s` }))];
    menu.replaceChildren(
      ...entries.map(({ index, text }) => {
        const item = document.createElement('button');
        item.type = 'button';
        item.className = 'sg-menu-item';
        item.setAttribute('role', 'menuitemradio');
        item.tabIndex = -1;
        item.dataset.level = String(index);
        item.textContent = text;
        item.addEventListener('click', () => choose(index));
        return item;
      }),
    );
    render();
  };
  const open = () => {
    menu.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    (items().find((i) => i.getAttribute('aria-checked') === 'true') ?? items()[0])?.focus();
  };
  function close(refocus: boolean): void {
    if (menu.hidden) return;
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (refocus) button.focus();
  }
  button.addEventListener('click', () => (menu.hidden ? open() : close(true)));
  button.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    event.stopPropagation();
    open();
  });
  menuKeys(menu, items, close);
  document.addEventListener('pointerdown', (event) => !wrap.contains(event.target as Node) && close(false));

  return {
    element: wrap,
    attach(next) {
      hls = next;
      next.on(Hls.Events.MANIFEST_PARSED, build);
      next.on(Hls.Events.LEVELS_UPDATED, build);
      next.on(Hls.Events.LEVEL_SWITCHED, render);
      build();
    },
    detach() {
      hls = null;
      close(false);
      build();
    },
  };
}
