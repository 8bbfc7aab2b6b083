import { useEffect, useRef, useState } from 'react';
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';

export default function Scene() {
  const mount = useRef(null);
  const [speed, setSpeed] = useState(1);
  const speedRef = useRef(speed);
  speedRef.current = speed;

  useEffect(() => {
    const el = mount.current;
    const width = el.clientWidth || 480;
    const height = 320;
    const scene = new THREE.Scene();
    scene.background = new THREE.Color(0x0f172a);
    const camera = new THREE.PerspectiveCamera(60, width / height, 0.1, 100);
    camera.position.set(3, 2.5, 4);
    const renderer = new THREE.WebGLRenderer({ antialias: true });
    renderer.setSize(width, height);
    el.appendChild(renderer.domElement);
    const controls = new OrbitControls(camera, renderer.domElement);
    controls.enableDamping = true;

    const cube = new THREE.Mesh(
      new THREE.BoxGeometry(1.4, 1.4, 1.4),
      new THREE.MeshStandardMaterial({ color: 0x38bdf8, metalness: 0.2, roughness: 0.4 }),
    );
    scene.add(cube);
    const ring = new THREE.Mesh(
      new THREE.TorusGeometry(2, 0.05, 16, 100),
      new THREE.MeshStandardMaterial({ color: 0xf472b6 }),
    );
    ring.rotation.x = Math.PI / 2;
    scene.add(ring);
    scene.add(new THREE.AmbientLight(0xffffff, 0.5));
    const light = new THREE.DirectionalLight(0xffffff, 1.5);
    light.position.set(5, 5, 5);
    scene.add(light);

    let frame;
    const tick = () => {
      cube.rotation.x += 0.01 * speedRef.current;
      cube.rotation.y += 0.015 * speedRef.current;
      controls.update();
      renderer.render(scene, camera);
      frame = requestAnimationFrame(tick);
    };
    tick();
    return () => {
      cancelAnimationFrame(frame);
      controls.dispose();
      renderer.dispose();
      el.removeChild(renderer.domElement);
    };
  }, []);

  return (
    <div className="p-4 font-sans">
      <div ref={mount} className="w-full overflow-hidden rounded-lg" />
      <label className="mt-3 flex items-center gap-3 text-sm">
        Spin speed
        <input type="range" min="0" max="5" step="0.5" value={speed} onChange={(e) => setSpeed(Number(e.target.value))} />
        <span>{speed}×</span>
      </label>
    </div>
  );
}
