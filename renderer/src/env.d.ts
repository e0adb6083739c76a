import type { WorkbenchApi } from '../../main/contract';

declare global {
  interface Window {
    /** present inside Electron (the preload); absent in a plain browser */
    workbench?: WorkbenchApi;
  }
}

export {};
