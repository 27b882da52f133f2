import { iconButton, setLabel } from './control-button';
import type { PlayerContext } from './player-context';

/** Picture in picture where the browser offers it; the button is not shown elsewhere. */
export function pipButton(ctx: PlayerContext): HTMLButtonElement {
  const { video, labels } = ctx;
  const button = iconButton('sg-pip', 'pip', labels.pip);
  button.hidden = !('pictureInPictureEnabled' in document && document.pictureInPictureEnabled) || video.disablePictureInPicture;
  const render = () => {
    const on = document.pictureInPictureElement === video;
    setLabel(button, on ? labels.exitPip : labels.pip);
  };
  button.addEventListener('click', () => {
    const request = document.pictureInPictureElement ? document.exitPictureInPicture() : video.requestPictureInPicture();
    void request.catch(() => undefined); // refused (no metadata yet, a policy): nothing to undo
  });
  video.addEventListener('enterpictureinpicture', render);
  video.addEventListener('leavepictureinpicture', render);
  return button;
}
