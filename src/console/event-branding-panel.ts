import { api, apiUpload } from './api.js';
import { field, h } from './dom.js';
import { attempt, notify } from './notice.js';

/** What GET /api/admin/events/:id says of the watch page (`branding`). */
export interface Branding {
  description: string | null;
  organiser: string | null;
  posterUrl: string | null;
  logoUrl: string | null;
  accent: string | null;
  language: string;
}

const LANGUAGES: [string, string][] = [['en', 'English'], ['de', 'Deutsch'], ['fr', 'Français'], ['es', 'Español']];

/**
 * The event's watch page (/watch/:id): texts, accent colour and default language saved together;
 * the poster and the logo are uploaded as soon as they are chosen (PUT …/poster|logo, the file
 * itself as the body), and removed with their own button.
 */
export function eventBrandingPanel(eventId: string, after: () => Promise<void>) {
  const path = `/api/admin/events/${encodeURIComponent(eventId)}`;
  const description = h('textarea', { id: 'br-description', rows: 4, maxlength: 2000 });
  const organiser = h('input', { id: 'br-organiser', maxlength: 200 });
  const useAccent = h('input', { id: 'br-use-accent', type: 'checkbox' });
  const accent = h('input', { id: 'br-accent', type: 'color', value: '#2563eb' });
  const language = h('select', { id: 'br-language' }, ...LANGUAGES.map(([code, name]) => h('option', { value: code }, name)));
  const images = { poster: imageField('poster', 'Poster (PNG, JPEG or WebP, at most 2 MiB)'), logo: imageField('logo', 'Logo (PNG, JPEG or WebP, at most 512 KiB)') };

  const form = h('form', { class: 'card', 'aria-label': 'Watch page' },
    h('h2', {}, 'Watch page'),
    h('p', { class: 'hint' }, 'Viewers see this at ', h('a', { href: `/watch/${encodeURIComponent(eventId)}`, target: '_blank', rel: 'noopener' }, `/watch/${eventId}`), ' before entering their code.'),
    field('Description', description), field('Organiser', organiser),
    h('div', { class: 'inline' }, field('Own accent colour', useAccent), field('Accent colour', accent)),
    field('Language when the viewer\'s browser asks for none of these', language),
    h('button', { type: 'submit' }, 'Save watch page'),
    images.poster.element, images.logo.element);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void attempt(async () => {
      await api('PATCH', path, { description: description.value, organiser: organiser.value, accent: useAccent.checked ? accent.value : null, language: language.value });
      notify('Watch page saved.');
      await after();
    });
  });

  function imageField(kind: 'poster' | 'logo', label: string) {
    const input = h('input', { id: `br-${kind}`, type: 'file', accept: 'image/png,image/jpeg,image/webp' });
    const preview = h('img', { class: 'branding-preview', alt: `Current ${kind}`, hidden: true });
    const remove = h('button', { type: 'button', class: 'secondary', hidden: true }, `Remove ${kind}`);
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (!file) return;
      void attempt(async () => {
        show(await apiUpload<Branding>('PUT', `${path}/${kind}`, file));
        notify(`${kind === 'poster' ? 'Poster' : 'Logo'} uploaded.`);
        input.value = '';
      });
    });
    remove.addEventListener('click', () => void attempt(async () => {
      show(await api<Branding>('DELETE', `${path}/${kind}`));
      notify(`${kind === 'poster' ? 'Poster' : 'Logo'} removed.`);
    }));
    const element = h('div', { class: 'branding-image' }, field(label, input), preview, remove);
    const update = (url: string | null) => {
      preview.hidden = remove.hidden = !url;
      if (url) preview.src = url;
      else preview.removeAttribute('src');
    };
    return { element, update };
  }

  function show(branding: Branding) {
    images.poster.update(branding.posterUrl);
    images.logo.update(branding.logoUrl);
  }

  let filled = false;
  /** Fills the form once (a refresh never overwrites what is being typed); the images always. */
  function fill(branding: Branding) {
    show(branding);
    if (filled) return;
    filled = true;
    description.value = branding.description ?? '';
    organiser.value = branding.organiser ?? '';
    useAccent.checked = branding.accent !== null;
    if (branding.accent) accent.value = branding.accent;
    language.value = branding.language;
  }
  return { element: form, fill };
}
