/**
 * Every text the player controls show or announce, in the portal's four languages. The lead wires
 * these into the viewer page's message catalogue; until then `labelsFor` picks by language code.
 */
export type Language = 'en' | 'de' | 'fr' | 'es';

export type LabelKey =
  | 'controls' | 'play' | 'pause' | 'mute' | 'volume' | 'seek' | 'fullscreen' | 'exitFullscreen'
  | 'pip' | 'exitPip' | 'live' | 'goLive' | 'goLiveHint' | 'quality' | 'auto' | 'captions' | 'loading' | 'unmute';

export const LABELS: Record<Language, Record<LabelKey, string>> = {
  en: {
    controls: 'Player controls', play: 'Play', pause: 'Pause', mute: 'Mute', volume: 'Volume',
    seek: 'Seek', fullscreen: 'Full screen', exitFullscreen: 'Exit full screen', pip: 'Picture in picture',
    exitPip: 'Exit picture in picture', live: 'Live', goLive: 'Go live', goLiveHint: 'Jump to the live edge',
    quality: 'Quality', auto: 'Auto', captions: 'Captions', loading: 'Loading', unmute: 'Unmute',
  },
  de: {
    controls: 'Player-Steuerung', play: 'Abspielen', pause: 'Pause', mute: 'Stumm schalten',
    volume: 'Lautstärke', seek: 'Springen', fullscreen: 'Vollbild', exitFullscreen: 'Vollbild beenden',
    pip: 'Bild im Bild', exitPip: 'Bild im Bild beenden', live: 'Live', goLive: 'Zu live',
    goLiveHint: 'Zur Live-Übertragung springen', quality: 'Qualität', auto: 'Auto', captions: 'Untertitel',
    loading: 'Wird geladen', unmute: 'Ton an',
  },
  fr: {
    controls: 'Commandes du lecteur', play: 'Lire', pause: 'Pause', mute: 'Couper le son',
    volume: 'Volume', seek: 'Position', fullscreen: 'Plein écran', exitFullscreen: 'Quitter le plein écran',
    pip: 'Image dans l’image', exitPip: 'Quitter l’image dans l’image', live: 'Direct', goLive: 'Revenir au direct',
    goLiveHint: 'Revenir au direct', quality: 'Qualité', auto: 'Auto', captions: 'Sous-titres', loading: 'Chargement',
    unmute: 'Activer le son',
  },
  es: {
    controls: 'Controles del reproductor', play: 'Reproducir', pause: 'Pausa', mute: 'Silenciar',
    volume: 'Volumen', seek: 'Posición', fullscreen: 'Pantalla completa', exitFullscreen: 'Salir de pantalla completa',
    pip: 'Imagen en imagen', exitPip: 'Salir de imagen en imagen', live: 'En directo', goLive: 'Ir al directo',
    goLiveHint: 'Ir al directo', quality: 'Calidad', auto: 'Auto', captions: 'Subtítulos', loading: 'Cargando',
    unmute: 'Activar sonido',
  },
};

/** The labels for a language tag such as `de-AT` or `fr`; English for anything else. */
export function labelsFor(language: string | null | undefined): Record<LabelKey, string> {
  const primary = (language ?? '').toLowerCase().split('-')[0] as Language;
  return LABELS[primary] ?? LABELS.en;
}
