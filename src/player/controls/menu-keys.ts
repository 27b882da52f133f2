/**
 * Keyboard handling of a menu (WAI-ARIA menu button pattern): arrows and Home/End move between
 * items, Escape and Tab close it, focus returns to the button that opened it.
 */
export function menuKeys(menu: HTMLElement, items: () => HTMLElement[], close: (refocus: boolean) => void): void {
  menu.addEventListener('keydown', (event) => {
    const list = items();
    const at = list.indexOf(document.activeElement as HTMLElement);
    const move = (index: number) => list[(index + list.length) % list.length]?.focus();
    switch (event.key) {
      case 'ArrowDown': move(at + 1); break;
      case 'ArrowUp': move(at - 1); break;
      case 'Home': move(0); break;
      case 'End': move(list.length - 1); break;
      case 'Escape': close(true); break;
      case 'Tab': close(false); return; // let focus move on
      default: return;
    }
    event.preventDefault();
    event.stopPropagation(); // the player's shortcuts (arrows seek) must not fire too
  });
}
