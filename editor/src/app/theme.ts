// Light or dark, remembered per browser; the first visit follows the system setting.
import { useCallback, useEffect, useState } from 'react';

export type Theme = 'light' | 'dark';
const key = 'astra.theme';

function initialTheme(): Theme {
  const saved = window.localStorage.getItem(key);
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    document.documentElement.style.colorScheme = theme;
  }, [theme]);
  const toggle = useCallback(() => {
    setTheme((current) => {
      const next = current === 'dark' ? 'light' : 'dark';
      window.localStorage.setItem(key, next);
      return next;
    });
  }, []);
  return [theme, toggle];
}
